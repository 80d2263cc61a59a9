package io.herd.proxy;

import io.herd.core.dcs.Dcs;
import io.herd.core.dcs.DcsException;
import io.herd.proxy.routing.Router;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * Feeds etcd's view of the cluster to the router: at once on every watch event (a leader change arrives within
 * milliseconds) and on a fixed period, which is how an outage is noticed (the view cannot be read). Read only:
 * the proxy never writes a key.
 */
public final class EtcdWatcher
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(EtcdWatcher.class);

    private final Dcs dcs;
    private final Router router;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(Threads.named("herd-proxy-etcd"));
    private final AtomicBoolean pending = new AtomicBoolean();
    private final AutoCloseable subscription;

    public EtcdWatcher(Dcs dcs, Router router, Duration period)
    {
        this.dcs = requireNonNull(dcs, "dcs is null");
        this.router = requireNonNull(router, "router is null");
        this.subscription = dcs.addListener(change -> {
            if (change.touches("leader") || change.resync() || change.keys().stream().anyMatch(key -> key.startsWith("members/") || key.equals("status"))) {
                refreshSoon();
            }
        });
        executor.scheduleWithFixedDelay(this::refreshSoon, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void refreshSoon()
    {
        // coalesce bursts of events into one read of the cache
        if (pending.compareAndSet(false, true)) {
            executor.execute(this::refresh);
        }
    }

    private void refresh()
    {
        pending.set(false);
        try {
            router.onEtcdView(dcs.clusterView());
        }
        catch (DcsException e) {
            router.onEtcdUnreachable(e.getMessage());
        }
        catch (Throwable t) {
            log.error("Reading the cluster from etcd failed unexpectedly", t);
            router.onEtcdUnreachable(String.valueOf(t));
        }
    }

    @Override
    public void close()
    {
        try {
            subscription.close();
        }
        catch (Exception e) {
            log.debug("Removing the etcd listener failed", e);
        }
        executor.shutdownNow();
        dcs.close();
    }
}
