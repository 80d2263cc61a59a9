package io.herd.core.ha;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * The parts of the configuration the decision reads: effective dynamic timing plus this node's tags.
 *
 * @param canCloneWithoutLeader a configured replica method works without a running source (e.g. from backups)
 */
public record HaSettings(
        String name,
        Duration ttl,
        Duration loopWait,
        Duration retryTimeout,
        long maximumLagOnFailover,
        Duration primaryStartTimeout,
        boolean nofailover,
        int failoverPriority,
        boolean canBootstrap,
        boolean canCloneWithoutLeader)
{
    public HaSettings
    {
        requireNonNull(name, "name is null");
        requireNonNull(ttl, "ttl is null");
        requireNonNull(loopWait, "loopWait is null");
        requireNonNull(retryTimeout, "retryTimeout is null");
        requireNonNull(primaryStartTimeout, "primaryStartTimeout is null");
    }
}
