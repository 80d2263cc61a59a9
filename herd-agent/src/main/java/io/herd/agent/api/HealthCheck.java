package io.herd.agent.api;

import io.herd.agent.NodeStatus;
import io.herd.core.cluster.Tags;
import io.herd.core.config.DataSizes;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Patroni's health-check semantics for GET, HEAD and OPTIONS on any path (an AWS NLB or HAProxy depends on the exact
 * codes): the first rule whose name appears in the path wins, and a path no rule matches answers 503.
 */
public final class HealthCheck
{
    private HealthCheck() {}

    public static int status(String path, Map<String, String> query, NodeStatus node, long nowNanos)
    {
        String p = path.toLowerCase(Locale.ROOT);
        boolean leader = node.isLeader(nowNanos);
        if (p.contains("standby-leader") || p.contains("standby_leader")) {
            return 503; // Herd does not run standby clusters yet: no member is a standby leader
        }
        if (p.contains("leader") || p.equals("/") || p.isEmpty() || p.contains("primary") || p.contains("master") || p.contains("read-write")) {
            return leader && node.isPrimary() && node.running() ? 200 : 503;
        }
        if (p.equals("/replica") || p.startsWith("/replica")) {
            return replicaOk(query, node) && tagsMatch(query, node) ? 200 : 503;
        }
        if (p.contains("read-only") && !p.contains("sync") && !p.contains("quorum")) {
            boolean ok = (leader && node.isPrimary() && node.running()) || replicaOk(query, node);
            return ok && tagsMatch(query, node) ? 200 : 503;
        }
        if (p.contains("health")) {
            return node.running() && tagsMatch(query, node) ? 200 : 503;
        }
        if (p.equals("/async") || p.equals("/asynchronous")) {
            // synchronous mode is not managed by Herd yet, so every healthy replica is asynchronous
            return replicaOk(query, node) && tagsMatch(query, node) ? 200 : 503;
        }
        return 503;
    }

    private static boolean replicaOk(Map<String, String> query, NodeStatus node)
    {
        if (!node.isReplica() || !node.running() || Tags.flag(node.tags(), "noloadbalance")) {
            return false;
        }
        String state = query.get("replication_state");
        if (state != null && !state.equals(node.replicationState().orElse(""))) {
            return false;
        }
        String lag = query.get("lag");
        if (lag != null) {
            long maxLag;
            try {
                maxLag = DataSizes.parseBytes(lag.replace(" ", ""));
            }
            catch (IllegalArgumentException e) {
                return true; // Patroni: an invalid lag means no limit
            }
            OptionalLong leaderLsn = node.clusterOptime();
            OptionalLong replayed = node.replayedLocation();
            if (leaderLsn.isPresent() && replayed.isPresent() && leaderLsn.getAsLong() > replayed.getAsLong() + maxLag) {
                return false;
            }
        }
        return true;
    }

    private static boolean tagsMatch(Map<String, String> query, NodeStatus node)
    {
        for (Map.Entry<String, String> entry : query.entrySet()) {
            if (!entry.getKey().startsWith("tag_")) {
                continue;
            }
            Object value = node.tags().get(entry.getKey().substring(4));
            if (value == null || !String.valueOf(value).toLowerCase(Locale.ROOT).equals(entry.getValue().toLowerCase(Locale.ROOT))) {
                return false;
            }
        }
        return true;
    }
}
