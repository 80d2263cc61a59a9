package io.herd.proxy;

import io.herd.etcd.EtcdDcs;
import io.herd.proxy.config.EtcdSource;
import io.herd.proxy.config.ListenerConfig;
import io.herd.proxy.config.ProxyConfig;
import io.herd.proxy.health.HealthChecker;
import io.herd.proxy.health.ProbeResult;
import io.herd.proxy.health.ProbeTarget;
import io.herd.proxy.relay.Connections;
import io.herd.proxy.relay.ListenerContext;
import io.herd.proxy.relay.ProxyServer;
import io.herd.proxy.relay.Transport;
import io.herd.proxy.routing.Probes;
import io.herd.proxy.routing.Router;
import io.herd.proxy.routing.Routes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * {@code herd proxy}, wired: health checker and etcd watcher feed the router, the router's routes drive the relay,
 * and the registry closes clients of a demoted leader. {@link #close()} shuts down gracefully.
 */
public final class HerdProxy
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(HerdProxy.class);
    /** How long the proxy's own etcd reads may take before etcd counts as unreachable. */
    private static final Duration ETCD_RETRY_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration ETCD_POLL = Duration.ofSeconds(1);

    private final ProxyConfig config;
    private final ProxyMetrics metrics = new ProxyMetrics();
    private final HealthChecker checker;
    private final Router router;
    private final Connections connections;
    private final Transport transport;
    private final ProxyServer server;
    private final Optional<EtcdWatcher> etcd;
    private final Optional<StatusServer> http;
    private final AtomicBoolean closed = new AtomicBoolean();

    private HerdProxy(ProxyConfig config, int ioThreads)
    {
        this.config = requireNonNull(config, "config is null");
        Router[] routerRef = new Router[1];
        // the checker reports to the router, the router sets the checker's targets: a small cycle closed here
        this.checker = new HealthChecker(config.healthCheck().interval(), config.healthCheck().timeout(), 4,
                (ProbeTarget target, ProbeResult result) -> routerRef[0].onProbe(target, result));
        this.router = new Router(config, new Probes()
        {
            @Override
            public void setTargets(Set<ProbeTarget> targets)
            {
                checker.setTargets(targets);
            }

            @Override
            public void probeNow()
            {
                checker.probeNow();
            }
        });
        routerRef[0] = router;
        this.connections = new Connections(config.listeners(), metrics);
        router.addListener(connections);
        this.transport = Transport.create(ioThreads);
        List<ListenerContext> contexts = new ArrayList<>();
        for (ListenerConfig listener : config.listeners()) {
            contexts.add(new ListenerContext(listener, router, connections, metrics, transport));
        }
        try {
            this.server = new ProxyServer(transport, contexts);
            this.http = config.http().map(listen -> new StatusServer(listen, router, metrics));
        }
        catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
        this.etcd = config.etcd().map(this::watch);
        log.info("herd proxy started ({} transport): {}", transport.name(),
                config.listeners().stream().map(l -> l.name() + " " + l.role().configName() + " on " + l.bind()).toList());
    }

    public static HerdProxy start(ProxyConfig config)
    {
        return new HerdProxy(config, 0);
    }

    public static HerdProxy start(ProxyConfig config, int ioThreads)
    {
        return new HerdProxy(config, ioThreads);
    }

    private EtcdWatcher watch(EtcdSource source)
    {
        // read only: the member name is never written, no lease is granted
        EtcdDcs dcs = new EtcdDcs(source.etcd(), source.keys(), "herd-proxy", Duration.ofSeconds(30), ETCD_RETRY_TIMEOUT);
        return new EtcdWatcher(dcs, router, ETCD_POLL);
    }

    public Routes routes()
    {
        return router.routes();
    }

    public int port(String listener)
    {
        return server.port(listener);
    }

    public Optional<Integer> httpPort()
    {
        return http.map(StatusServer::port);
    }

    public ProxyMetrics metrics()
    {
        return metrics;
    }

    /** Stops accepting, lets relayed connections finish for up to the shutdown timeout, then closes the rest. */
    @Override
    public void close()
    {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stopAccepting();
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        int open = connections.all().size();
        if (open > 0) {
            log.info("Shutting down: waiting up to {} for {} client connection(s) to finish", config.shutdownTimeout(), open);
        }
        while (!connections.all().isEmpty() && System.nanoTime() < deadline) {
            try {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!connections.all().isEmpty()) {
            log.info("Shutdown timeout reached: closing {} client connection(s)", connections.all().size());
        }
        connections.all().close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        closeQuietly();
    }

    private void closeQuietly()
    {
        if (etcd != null) {
            etcd.ifPresent(EtcdWatcher::close);
        }
        if (http != null) {
            http.ifPresent(StatusServer::close);
        }
        checker.close();
        router.close();
        transport.shutdown();
    }
}
