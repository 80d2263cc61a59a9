package io.herd.proxy.health;

import io.herd.proxy.Threads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

import static java.util.Objects.requireNonNull;

/**
 * Probes every target on a fixed delay from a small named pool (never one thread per backend connection) and
 * hands each result to a consumer; the routing decides what results mean. {@link #probeNow()} runs an extra round
 * at once, so a leader change seen in etcd is confirmed in milliseconds instead of at the next interval.
 */
public final class HealthChecker
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    private final Duration interval;
    private final Duration timeout;
    private final BiConsumer<ProbeTarget, ProbeResult> results;
    private final ScheduledExecutorService executor;

    // guarded by this
    private final Map<ProbeTarget, ScheduledFuture<?>> scheduled = new HashMap<>();

    public HealthChecker(Duration interval, Duration timeout, int threads, BiConsumer<ProbeTarget, ProbeResult> results)
    {
        this.interval = requireNonNull(interval, "interval is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.results = requireNonNull(results, "results is null");
        this.executor = Executors.newScheduledThreadPool(threads, Threads.named("herd-proxy-check"));
    }

    /** Starts probing new targets and stops probing targets no longer listed. */
    public synchronized void setTargets(Set<ProbeTarget> targets)
    {
        scheduled.entrySet().removeIf(entry -> {
            if (!targets.contains(entry.getKey())) {
                entry.getValue().cancel(false);
                return true;
            }
            return false;
        });
        for (ProbeTarget target : targets) {
            scheduled.computeIfAbsent(target, t -> executor.scheduleWithFixedDelay(() -> probe(t), 0, interval.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    public synchronized void probeNow()
    {
        for (ProbeTarget target : scheduled.keySet()) {
            executor.execute(() -> probe(target));
        }
    }

    private void probe(ProbeTarget target)
    {
        try {
            synchronized (this) {
                if (!scheduled.containsKey(target)) {
                    return;
                }
            }
            results.accept(target, HttpProbe.probe(target.api(), target.check(), timeout));
        }
        catch (Throwable t) {
            // a scheduled task that throws is never run again: log and keep probing
            log.error("Health probe of {} failed unexpectedly", target, t);
        }
    }

    @Override
    public synchronized void close()
    {
        scheduled.values().forEach(future -> future.cancel(false));
        scheduled.clear();
        executor.shutdownNow();
    }
}
