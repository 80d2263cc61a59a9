package io.herd.proxy;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;

/** The proxy's Prometheus metrics, in a registry of its own so several proxies can run in one JVM (tests). */
public final class ProxyMetrics
{
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Gauge active = Gauge.builder().name("herd_proxy_active_connections")
            .help("Client connections currently relayed, per listener and backend").labelNames("listener", "backend").register(registry);
    private final Counter accepted = Counter.builder().name("herd_proxy_connections_total")
            .help("Client connections relayed since start, per listener and backend").labelNames("listener", "backend").register(registry);
    // incremented for every chunk relayed: without exemplars an increment is one LongAdder add, with them it also
    // consults the exemplar sampler (clock, span context) on the relay's hot path, for traces the proxy never has
    private final Counter bytes = Counter.builder().name("herd_proxy_bytes_total")
            .help("Bytes relayed, per listener, backend and direction (to_backend, to_client)").labelNames("listener", "backend", "direction")
            .withoutExemplars().register(registry);
    private final Counter rejected = Counter.builder().name("herd_proxy_rejected_connections_total")
            .help("Client connections closed without a backend, per listener and reason").labelNames("listener", "reason").register(registry);
    private final Counter demoted = Counter.builder().name("herd_proxy_demoted_connections_closed_total")
            .help("Client connections closed because their backend stopped being the leader").labelNames("listener", "backend").register(registry);
    private final Counter removed = Counter.builder().name("herd_proxy_removed_backend_connections_closed_total")
            .help("Client connections of replicas/any listeners closed because their backend left the listener's set").labelNames("listener", "backend").register(registry);
    private final Counter leaderChanges = Counter.builder().name("herd_proxy_leader_changes_total")
            .help("Times the primary route moved to a different backend").register(registry);

    public void opened(String listener, String backend)
    {
        active.labelValues(listener, backend).inc();
        accepted.labelValues(listener, backend).inc();
    }

    public void closed(String listener, String backend)
    {
        active.labelValues(listener, backend).dec();
    }

    /** A data point to cache per connection, so counting bytes costs no label lookup per read. */
    public CounterDataPoint bytes(String listener, String backend, String direction)
    {
        return bytes.labelValues(listener, backend, direction);
    }

    public void rejected(String listener, String reason)
    {
        rejected.labelValues(listener, reason).inc();
    }

    public void demotedClosed(String listener, String backend, int count)
    {
        demoted.labelValues(listener, backend).inc(count);
    }

    public void removedClosed(String listener, String backend, int count)
    {
        removed.labelValues(listener, backend).inc(count);
    }

    public void leaderChanged()
    {
        leaderChanges.inc();
    }

    public void write(OutputStream out)
            throws IOException
    {
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
    }
}
