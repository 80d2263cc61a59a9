package io.herd.core.cluster;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/**
 * An immutable snapshot of everything under {@code <namespace>/<scope>/}, taken once per HA cycle.
 *
 * @param initialize the {@code initialize} key: the system identifier, "" while bootstrapping, empty when absent
 * @param config the dynamic configuration JSON from {@code config}, empty when absent or not a JSON object
 * @param configRevision mod revision of {@code config} for compare-and-swap (0 when absent)
 * @param members members by name, sorted
 */
public record ClusterView(
        Optional<String> initialize,
        Optional<ObjectNode> config,
        long configRevision,
        Optional<Leader> leader,
        Map<String, Member> members,
        ClusterStatus status,
        Optional<FailoverRequest> failover,
        SyncState sync,
        TimelineHistory history,
        long revision)
{
    public static final ClusterView EMPTY = new ClusterView(
            Optional.empty(), Optional.empty(), 0, Optional.empty(), Map.of(), ClusterStatus.EMPTY,
            Optional.empty(), SyncState.EMPTY, TimelineHistory.EMPTY, 0);

    public ClusterView
    {
        requireNonNull(initialize, "initialize is null");
        requireNonNull(config, "config is null");
        requireNonNull(leader, "leader is null");
        members = java.util.Collections.unmodifiableMap(new TreeMap<>(requireNonNull(members, "members is null")));
        requireNonNull(status, "status is null");
        requireNonNull(failover, "failover is null");
        requireNonNull(sync, "sync is null");
        requireNonNull(history, "history is null");
    }

    public Optional<String> leaderName()
    {
        return leader.map(Leader::name);
    }

    public boolean isLeader(String name)
    {
        return leader.map(l -> l.name().equals(name)).orElse(false);
    }

    public Optional<Member> member(String name)
    {
        return Optional.ofNullable(members.get(name));
    }

    public Optional<Member> leaderMember()
    {
        return leader.flatMap(l -> member(l.name()));
    }

    /** A view the leader race can use: failover request present and not empty. */
    public Optional<FailoverRequest> pendingFailover()
    {
        return failover.filter(f -> !f.isEmpty());
    }

    public boolean paused()
    {
        return config.map(c -> io.herd.core.cluster.Tags.truthy(jsonScalar(c.get("pause")))).orElse(false);
    }

    private static Object jsonScalar(com.fasterxml.jackson.databind.JsonNode node)
    {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isNumber()) {
            return node.numberValue();
        }
        return node.asText();
    }
}
