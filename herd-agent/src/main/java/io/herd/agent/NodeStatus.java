package io.herd.agent;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * What this node reports about itself, refreshed by the HA loop after every cycle and read by the REST API, so a
 * health check never runs SQL. Leadership is a deadline, not a flag: when the loop stops renewing, {@code /primary}
 * turns 503 on its own.
 *
 * @param state Patroni's PostgreSQL state text: running, starting, stopped, crashed, creating replica, ...
 * @param role {@code primary} or {@code replica}, empty when PostgreSQL could not be queried
 * @param leaderUntilNanos {@link System#nanoTime()} until which this node holds the leader key; 0 when it does not
 * @param nextRunNanos when the loop is due next (for {@code /liveness})
 */
public record NodeStatus(
        String state,
        Optional<String> role,
        OptionalLong xlogLocation,
        OptionalLong receivedLocation,
        OptionalLong replayedLocation,
        Optional<String> replayedTimestamp,
        boolean replayPaused,
        OptionalInt timeline,
        Optional<String> replicationState,
        List<Map<String, Object>> replication,
        Optional<String> postmasterStartTime,
        OptionalInt serverVersion,
        Optional<String> systemIdentifier,
        long leaderUntilNanos,
        boolean clusterUnlocked,
        OptionalLong dcsLastSeen,
        boolean paused,
        Map<String, Object> tags,
        long nextRunNanos,
        OptionalLong clusterOptime)
{
    public NodeStatus
    {
        requireNonNull(state, "state is null");
        requireNonNull(role, "role is null");
        requireNonNull(xlogLocation, "xlogLocation is null");
        requireNonNull(receivedLocation, "receivedLocation is null");
        requireNonNull(replayedLocation, "replayedLocation is null");
        requireNonNull(replayedTimestamp, "replayedTimestamp is null");
        requireNonNull(timeline, "timeline is null");
        requireNonNull(replicationState, "replicationState is null");
        replication = List.copyOf(requireNonNull(replication, "replication is null"));
        requireNonNull(postmasterStartTime, "postmasterStartTime is null");
        requireNonNull(serverVersion, "serverVersion is null");
        requireNonNull(systemIdentifier, "systemIdentifier is null");
        requireNonNull(dcsLastSeen, "dcsLastSeen is null");
        tags = Map.copyOf(requireNonNull(tags, "tags is null"));
        requireNonNull(clusterOptime, "clusterOptime is null");
    }

    public static NodeStatus starting(Map<String, Object> tags, long nowNanos)
    {
        return new NodeStatus("stopped", Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), false,
                OptionalInt.empty(), Optional.empty(), List.of(), Optional.empty(), OptionalInt.empty(), Optional.empty(), 0, true, OptionalLong.empty(),
                false, tags, nowNanos, OptionalLong.empty());
    }

    public NodeStatus withLeaderUntil(long nanos)
    {
        return new NodeStatus(state, role, xlogLocation, receivedLocation, replayedLocation, replayedTimestamp, replayPaused, timeline, replicationState,
                replication, postmasterStartTime, serverVersion, systemIdentifier, nanos, clusterUnlocked, dcsLastSeen, paused, tags, nextRunNanos, clusterOptime);
    }

    /** PostgreSQL was just stopped by the agent: no role and no leadership until the next cycle reads it again. */
    public NodeStatus stopped()
    {
        return withoutPostgres("stopped").withLeaderUntil(0);
    }

    /** A state in which PostgreSQL cannot be queried (stopped, creating replica): its fields are unknown. */
    public NodeStatus withoutPostgres(String newState)
    {
        return new NodeStatus(newState, Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), false, timeline,
                Optional.empty(), List.of(), Optional.empty(), serverVersion, systemIdentifier, leaderUntilNanos, clusterUnlocked, dcsLastSeen, paused, tags,
                nextRunNanos, clusterOptime);
    }

    public NodeStatus withNextRun(long nanos)
    {
        return new NodeStatus(state, role, xlogLocation, receivedLocation, replayedLocation, replayedTimestamp, replayPaused, timeline, replicationState,
                replication, postmasterStartTime, serverVersion, systemIdentifier, leaderUntilNanos, clusterUnlocked, dcsLastSeen, paused, tags, nanos, clusterOptime);
    }

    public boolean isLeader(long nowNanos)
    {
        return leaderUntilNanos != 0 && leaderUntilNanos - nowNanos > 0;
    }

    public boolean running()
    {
        return state.equals("running");
    }

    public boolean isPrimary()
    {
        return role.map("primary"::equals).orElse(false);
    }

    public boolean isReplica()
    {
        return role.map("replica"::equals).orElse(false);
    }

    /** max(received, replayed) for a replica, the flush position for a primary. */
    public OptionalLong walPosition()
    {
        if (xlogLocation.isPresent()) {
            return xlogLocation;
        }
        long best = Math.max(receivedLocation.orElse(-1), replayedLocation.orElse(-1));
        return best < 0 ? OptionalLong.empty() : OptionalLong.of(best);
    }
}
