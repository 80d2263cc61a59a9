package io.herd.agent.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.agent.NodeStatus;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.HostPort;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.PatroniCodec;
import io.herd.core.cluster.TimelineHistory;

import java.util.OptionalLong;

/** The JSON bodies of {@code /patroni}, {@code /cluster} and {@code /history}, in Patroni 4's format. */
public final class StatusJson
{
    public static final String PATRONI_VERSION = "4.1.4";

    private StatusJson() {}

    public static ObjectNode node(NodeStatus node, String scope, String name, long nowNanos)
    {
        ObjectNode json = PatroniCodec.JSON.createObjectNode();
        json.put("state", node.state());
        node.postmasterStartTime().ifPresent(t -> json.put("postmaster_start_time", t));
        if (node.role().isPresent()) {
            json.put("role", node.role().get());
        }
        else {
            json.put("role", "uninitialized");
        }
        node.serverVersion().ifPresent(v -> json.put("server_version", v));
        if (node.role().isPresent()) {
            ObjectNode xlog = json.putObject("xlog");
            if (node.isPrimary()) {
                xlog.put("location", node.xlogLocation().orElse(0));
            }
            else {
                xlog.put("received_location", node.receivedLocation().orElse(node.replayedLocation().orElse(0)));
                xlog.put("replayed_location", node.replayedLocation().orElse(0));
                if (node.replayedTimestamp().isPresent()) {
                    xlog.put("replayed_timestamp", node.replayedTimestamp().get());
                }
                else {
                    xlog.putNull("replayed_timestamp");
                }
                xlog.put("paused", node.replayPaused());
            }
        }
        node.timeline().ifPresent(t -> json.put("timeline", t));
        node.replicationState().ifPresent(s -> json.put("replication_state", s));
        if (!node.replication().isEmpty()) {
            json.set("replication", PatroniCodec.JSON.valueToTree(node.replication()));
        }
        if (node.paused()) {
            json.put("pause", true);
        }
        if (node.clusterUnlocked()) {
            json.put("cluster_unlocked", true);
        }
        node.dcsLastSeen().ifPresent(t -> json.put("dcs_last_seen", t));
        if (!node.tags().isEmpty()) {
            json.set("tags", PatroniCodec.JSON.valueToTree(node.tags()));
        }
        node.systemIdentifier().ifPresent(id -> json.put("database_system_identifier", id));
        ObjectNode patroni = json.putObject("patroni");
        patroni.put("version", PATRONI_VERSION);
        patroni.put("scope", scope);
        patroni.put("name", name);
        return json;
    }

    public static ObjectNode cluster(ClusterView view, String scope)
    {
        ObjectNode json = PatroniCodec.JSON.createObjectNode();
        ArrayNode members = json.putArray("members");
        long optime = view.status().optime();
        for (Member member : view.members().values()) {
            ObjectNode m = members.addObject();
            boolean leader = view.isLeader(member.name());
            m.put("name", member.name());
            m.put("role", leader ? "leader" : view.sync().isSyncStandby(member.name()) ? "sync_standby" : "replica");
            m.put("state", !leader && member.replicationState().isPresent() ? member.replicationState().get() : member.state());
            m.put("api_url", member.apiUrl());
            member.postgresAddress().ifPresent((HostPort hp) -> {
                m.put("host", hp.host());
                m.put("port", hp.port());
            });
            member.timeline().ifPresent(t -> m.put("timeline", t));
            if (!member.tags().isEmpty()) {
                m.set("tags", PatroniCodec.JSON.valueToTree(member.tags()));
            }
            if (!leader) {
                lag(m, "receive_", member.receiveLsn(), optime);
                lag(m, "replay_", member.replayLsn(), optime);
                lag(m, "", member.xlogLocation(), optime);
            }
        }
        json.put("scope", scope);
        if (view.paused()) {
            json.put("pause", true);
        }
        return json;
    }

    private static void lag(ObjectNode member, String prefix, OptionalLong lsn, long optime)
    {
        if (lsn.isEmpty()) {
            member.put(prefix + "lag", "unknown");
            member.put(prefix + "lsn", "unknown");
            return;
        }
        member.put(prefix + "lag", Math.max(0, optime - lsn.getAsLong()));
        member.put(prefix + "lsn", formatLsn(lsn.getAsLong()));
    }

    public static ArrayNode history(TimelineHistory history)
    {
        return (ArrayNode) PatroniCodec.readTree(PatroniCodec.formatHistory(history));
    }

    public static String formatLsn(long lsn)
    {
        return Long.toHexString(lsn >>> 32).toUpperCase(java.util.Locale.ROOT) + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT);
    }
}
