package io.herd.proxy.config;

import io.herd.core.cluster.HostPort;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * One listening port of the proxy.
 *
 * @param maxLagBytes replicas further behind the leader than this get no new connections (empty: no bound)
 * @param excludeNoloadbalance skip replicas tagged {@code noloadbalance}
 * @param fallbackToPrimary send read-only connections to the leader when no replica qualifies
 * @param replicaCheck the health check a replica must pass to be eligible for this listener (empty for primary listeners)
 * @param waitForLeader how long a new connection waits for a backend to appear before it is closed
 * @param connectTimeout TCP connect timeout towards a backend
 */
public record ListenerConfig(
        String name,
        HostPort bind,
        ListenerRole role,
        OptionalLong maxLagBytes,
        boolean excludeNoloadbalance,
        boolean fallbackToPrimary,
        Optional<CheckSpec> replicaCheck,
        Duration waitForLeader,
        Duration connectTimeout)
{
    public ListenerConfig
    {
        requireNonNull(name, "name is null");
        requireNonNull(bind, "bind is null");
        requireNonNull(role, "role is null");
        requireNonNull(maxLagBytes, "maxLagBytes is null");
        requireNonNull(replicaCheck, "replicaCheck is null");
        requireNonNull(waitForLeader, "waitForLeader is null");
        requireNonNull(connectTimeout, "connectTimeout is null");
        if (role != ListenerRole.PRIMARY && replicaCheck.isEmpty()) {
            throw new IllegalArgumentException("listener " + name + " with role " + role.configName() + " needs a replica check");
        }
    }
}
