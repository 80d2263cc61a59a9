package io.herd.proxy.config;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * How backends are probed.
 *
 * @param rise consecutive passes before a backend counts as up when checks alone decide
 * @param fall consecutive failures before a backend counts as down
 * @param primary the check the leader must pass (Patroni: {@code OPTIONS /primary})
 * @param replica the default check replicas must pass (Patroni: {@code OPTIONS /replica})
 */
public record HealthCheckConfig(Duration interval, Duration timeout, int rise, int fall, CheckSpec primary, CheckSpec replica)
{
    public HealthCheckConfig
    {
        requireNonNull(interval, "interval is null");
        requireNonNull(timeout, "timeout is null");
        requireNonNull(primary, "primary is null");
        requireNonNull(replica, "replica is null");
        if (interval.isZero() || interval.isNegative() || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("interval and timeout must be positive");
        }
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
    }
}
