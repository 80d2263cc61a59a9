package io.herd.proxy.routing;

import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.Member;
import io.herd.proxy.Threads;
import io.herd.proxy.config.BackendConfig;
import io.herd.proxy.config.CheckSpec;
import io.herd.proxy.config.ListenerConfig;
import io.herd.proxy.config.ProxyConfig;
import io.herd.proxy.health.CheckState;
import io.herd.proxy.health.ProbeResult;
import io.herd.proxy.health.ProbeTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * Holds what the proxy knows (etcd's view, check states) and republishes {@link Routes} after every input. All state
 * is confined to the single "herd-proxy-router" thread; readers see the latest routes through a volatile field, and
 * listeners run on that thread after the new routes are published.
 */
public final class Router
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(Router.class);
    /** How often an etcd leader that its check does not confirm yet (e.g. still promoting) is probed again. */
    private static final long UNCONFIRMED_REPROBE_MILLIS = 50;

    private final List<ListenerConfig> listeners;
    private final CheckSpec primaryCheck;
    private final int rise;
    private final int fall;
    private final boolean etcdConfigured;
    private final Map<String, Backend> staticBackends = new TreeMap<>();
    private final Set<CheckSpec> checks = new LinkedHashSet<>();
    private final Probes probes;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(Threads.named("herd-proxy-router"));
    private final List<RoutingListener> routingListeners = new CopyOnWriteArrayList<>();

    // confined to the executor thread
    private Map<String, Backend> etcdBackends = Map.of();
    private Optional<ClusterView> etcdView = Optional.empty();
    private boolean etcdReachable;
    private boolean etcdFailureLogged;
    private Map<String, Backend> backends = Map.of();
    private final Map<String, Map<CheckSpec, CheckState>> health = new HashMap<>();
    private boolean reprobeScheduled;
    private long leaderChangedNanos;

    private volatile Routes routes = Routes.NONE;
    private volatile Status status = new Status(Map.of(), new HealthView(Map.of()), false, Routes.NONE);

    public Router(ProxyConfig config, Probes probes)
    {
        requireNonNull(config, "config is null");
        this.listeners = config.listeners();
        this.primaryCheck = config.healthCheck().primary();
        this.rise = config.healthCheck().rise();
        this.fall = config.healthCheck().fall();
        this.etcdConfigured = config.etcd().isPresent();
        this.probes = requireNonNull(probes, "probes is null");
        for (BackendConfig backend : config.backends()) {
            staticBackends.put(backend.name(), new Backend(backend.name(), backend.postgres(), backend.api()));
        }
        checks.add(primaryCheck);
        listeners.forEach(listener -> listener.replicaCheck().ifPresent(checks::add));
        executor.execute(this::updateBackends);
    }

    public Routes routes()
    {
        return routes;
    }

    /** A consistent snapshot for {@code /status}. */
    public Status status()
    {
        return status;
    }

    public void addListener(RoutingListener listener)
    {
        routingListeners.add(requireNonNull(listener, "listener is null"));
    }

    public void onEtcdView(ClusterView view)
    {
        requireNonNull(view, "view is null");
        executor.execute(() -> {
            if (!etcdReachable) {
                log.info("etcd is reachable: the leader key leads routing");
            }
            etcdFailureLogged = false;
            Optional<String> previousLeader = etcdView.flatMap(ClusterView::leaderName);
            etcdReachable = true;
            etcdView = Optional.of(view);
            Map<String, Backend> fromEtcd = new TreeMap<>();
            for (Member member : view.members().values()) {
                Backend.fromMember(member).ifPresent(backend -> fromEtcd.put(backend.name(), backend));
            }
            if (!fromEtcd.equals(etcdBackends)) {
                etcdBackends = fromEtcd;
                updateBackends();
            }
            if (!previousLeader.equals(view.leaderName())) {
                leaderChangedNanos = System.nanoTime();
                // the watch leads: confirm the new leader (and the old one's demotion) now, not at the next interval
                probes.probeNow();
            }
            recompute();
        });
    }

    public void onEtcdUnreachable(String why)
    {
        executor.execute(() -> {
            if (etcdReachable || !etcdFailureLogged) {
                log.warn("etcd is unreachable ({}): routing by health checks alone", why);
                etcdFailureLogged = true;
            }
            etcdReachable = false;
            etcdView = Optional.empty();
            recompute();
        });
    }

    public void onProbe(ProbeTarget target, ProbeResult result)
    {
        executor.execute(() -> {
            if (!backends.containsKey(target.backend())) {
                return;
            }
            Map<CheckSpec, CheckState> states = health.computeIfAbsent(target.backend(), name -> new HashMap<>());
            CheckState before = states.getOrDefault(target.check(), CheckState.UNKNOWN);
            CheckState after = before.record(result, rise, fall);
            states.put(target.check(), after);
            if (before.up() != after.up()) {
                log.info("Backend {} is {} for {} (last probe {})", target.backend(), after.up() ? "up" : "down", target.check(), result);
            }
            recompute();
        });
    }

    private void updateBackends()
    {
        Map<String, Backend> merged = new TreeMap<>(etcdBackends);
        // an explicitly configured address wins over what a member publishes
        merged.putAll(staticBackends);
        backends = Map.copyOf(merged);
        health.keySet().retainAll(backends.keySet());
        Set<ProbeTarget> targets = new LinkedHashSet<>();
        for (Backend backend : merged.values()) {
            checks.forEach(check -> targets.add(new ProbeTarget(backend.name(), backend.api(), check)));
        }
        probes.setTargets(targets);
    }

    private void recompute()
    {
        HealthView view = new HealthView(health);
        Optional<ClusterView> cluster = etcdReachable ? etcdView : Optional.empty();
        Routes next = RoutingPolicy.decide(listeners, new TreeMap<>(backends), cluster, view, primaryCheck, fall);
        Routes previous = routes;
        status = new Status(new TreeMap<>(backends), view, etcdConfigured && etcdReachable, next);
        scheduleReprobeIfUnconfirmed(cluster, next);
        if (previous.sameAs(next)) {
            routes = next;
            return;
        }
        routes = next;
        log.info("Routing: leader {} ({}); {}", next.leaderName().orElse("none"), next.reason(), describe(next));
        for (RoutingListener listener : routingListeners) {
            try {
                listener.routesChanged(previous, next);
            }
            catch (RuntimeException e) {
                log.error("Routing listener {} failed", listener, e);
            }
        }
    }

    private void scheduleReprobeIfUnconfirmed(Optional<ClusterView> cluster, Routes next)
    {
        // bounded, so a leader whose API stays dead is not probed 20 times a second forever
        boolean unconfirmed = next.leader().isEmpty() && cluster.flatMap(ClusterView::leaderName).isPresent()
                && System.nanoTime() - leaderChangedNanos < TimeUnit.SECONDS.toNanos(30);
        if (unconfirmed && !reprobeScheduled) {
            reprobeScheduled = true;
            executor.schedule(() -> {
                reprobeScheduled = false;
                probes.probeNow();
            }, UNCONFIRMED_REPROBE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    private static String describe(Routes routes)
    {
        StringBuilder text = new StringBuilder();
        routes.byListener().forEach((name, list) -> {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(name).append(" -> ").append(list.isEmpty() ? "none" : list.stream().map(Backend::name).toList());
        });
        return text.toString();
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
    }

    /** What {@code /status} shows. */
    public record Status(Map<String, Backend> backends, HealthView health, boolean etcdReachable, Routes routes)
    {
        public Status
        {
            backends = Map.copyOf(Objects.requireNonNull(backends, "backends is null"));
            requireNonNull(health, "health is null");
            requireNonNull(routes, "routes is null");
        }
    }
}
