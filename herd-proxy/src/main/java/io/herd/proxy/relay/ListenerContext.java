package io.herd.proxy.relay;

import io.herd.proxy.ProxyMetrics;
import io.herd.proxy.config.ListenerConfig;
import io.herd.proxy.routing.Backend;
import io.herd.proxy.routing.Router;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/** What every connection of one listener shares: its settings, the routes, the registry and a round-robin counter. */
public final class ListenerContext
{
    private final ListenerConfig config;
    private final Router router;
    private final Connections connections;
    private final ProxyMetrics metrics;
    private final Transport transport;
    private final AtomicInteger next = new AtomicInteger();

    public ListenerContext(ListenerConfig config, Router router, Connections connections, ProxyMetrics metrics, Transport transport)
    {
        this.config = requireNonNull(config, "config is null");
        this.router = requireNonNull(router, "router is null");
        this.connections = requireNonNull(connections, "connections is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.transport = requireNonNull(transport, "transport is null");
    }

    public ListenerConfig config()
    {
        return config;
    }

    public String name()
    {
        return config.name();
    }

    public Connections connections()
    {
        return connections;
    }

    public ProxyMetrics metrics()
    {
        return metrics;
    }

    public Transport transport()
    {
        return transport;
    }

    /** The next backend for a new connection, round-robin over the current routes. */
    public Optional<Backend> pick()
    {
        List<Backend> backends = router.routes().backends(config.name());
        if (backends.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(backends.get(Math.floorMod(next.getAndIncrement(), backends.size())));
    }

    /** How many backends new connections of this listener currently spread over. */
    public int routedCount()
    {
        return router.routes().backends(config.name()).size();
    }

    /** Whether a connection made to {@code backend} may stay: the routing may have changed while it was connecting. */
    public boolean stillRouted(Backend backend)
    {
        return router.routes().backends(config.name()).contains(backend);
    }
}
