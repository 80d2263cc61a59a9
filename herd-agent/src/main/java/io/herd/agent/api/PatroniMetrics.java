package io.herd.agent.api;

import io.herd.agent.NodeStatus;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** {@code /metrics}: Patroni's gauge names and labels, so existing dashboards keep working. */
public final class PatroniMetrics
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final String scope;
    private final String name;
    private final Map<String, ToDoubleFunction<NodeStatus>> gauges;
    private final Map<String, Gauge> registered = new java.util.LinkedHashMap<>();

    public PatroniMetrics(String scope, String name, java.util.function.LongSupplier nanoTime)
    {
        this.scope = scope;
        this.name = name;
        this.gauges = new java.util.LinkedHashMap<>();
        gauges.put("patroni_version", n -> 40104);
        gauges.put("patroni_postgres_running", n -> n.running() ? 1 : 0);
        gauges.put("patroni_primary", n -> n.isLeader(nanoTime.getAsLong()) && n.isPrimary() ? 1 : 0);
        gauges.put("patroni_xlog_location", n -> n.isPrimary() ? n.xlogLocation().orElse(0) : 0);
        gauges.put("patroni_standby_leader", n -> 0);
        gauges.put("patroni_replica", n -> n.isReplica() && n.running() ? 1 : 0);
        gauges.put("patroni_sync_standby", n -> 0);
        gauges.put("patroni_quorum_standby", n -> 0);
        gauges.put("patroni_xlog_received_location", n -> n.isReplica() ? n.receivedLocation().orElse(0) : 0);
        gauges.put("patroni_xlog_replayed_location", n -> n.isReplica() ? n.replayedLocation().orElse(0) : 0);
        gauges.put("patroni_xlog_paused", n -> n.replayPaused() ? 1 : 0);
        gauges.put("patroni_postgres_server_version", n -> n.serverVersion().orElse(0));
        gauges.put("patroni_cluster_unlocked", n -> n.clusterUnlocked() ? 1 : 0);
        gauges.put("patroni_failsafe_mode_is_active", n -> 0);
        gauges.put("patroni_postgres_timeline", n -> n.timeline().orElse(0));
        gauges.put("patroni_dcs_last_seen", n -> n.dcsLastSeen().orElse(0));
        gauges.put("patroni_pending_restart", n -> 0);
        gauges.put("patroni_is_paused", n -> n.paused() ? 1 : 0);
        gauges.put("patroni_postgres_state", n -> stateNumber(n.state()));
        gauges.put("patroni_postgres_streaming", n -> n.replicationState().map("streaming"::equals).orElse(false) ? 1 : 0);
        gauges.put("patroni_postgres_in_archive_recovery", n -> n.replicationState().map("in archive recovery"::equals).orElse(false) ? 1 : 0);
        gauges.forEach((metric, f) -> registered.put(metric, Gauge.builder().name(metric).help("Patroni-compatible " + metric).labelNames("scope", "name").register(registry)));
    }

    public String render(NodeStatus status)
    {
        gauges.forEach((metric, f) -> registered.get(metric).labelValues(scope, name).set(f.applyAsDouble(status)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Patroni's fixed numbering of PostgreSQL states. */
    static int stateNumber(String state)
    {
        return switch (state) {
            case "initializing new cluster" -> 0;
            case "initdb failed" -> 1;
            case "creating replica" -> 4;
            case "running" -> 5;
            case "starting" -> 6;
            case "start failed" -> 8;
            case "restarting" -> 9;
            case "restart failed" -> 10;
            case "stopping" -> 11;
            case "stopped" -> 12;
            case "stop failed" -> 13;
            case "crashed" -> 14;
            default -> 12;
        };
    }
}
