package io.herd.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.herd.core.dcs.DcsChange;
import io.herd.core.dcs.DcsKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

/**
 * A local copy of every key under the cluster prefix: one range, then one prefix watch from the next revision.
 * When the watch breaks (etcd gone, history compacted) the cache is out of sync until a new range and watch
 * succeed, retried with capped exponential backoff. Logs one WARN when etcd becomes unreachable and one INFO when
 * it is back. All state below is confined to the single "herd-etcd-watch" thread, which also calls the listeners.
 */
final class WatchCache
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(WatchCache.class);
    private static final long INITIAL_BACKOFF_MILLIS = 100;
    private static final long MAX_BACKOFF_MILLIS = 5_000;

    private final KV kv;
    private final Watch watch;
    private final DcsKeys keys;
    private final ByteSequence prefix;
    private final EtcdCalls calls;
    private final ScheduledThreadPoolExecutor executor;
    private final List<Consumer<DcsChange>> listeners = new CopyOnWriteArrayList<>();

    /** The published copy; null while out of sync. */
    private volatile Snapshot snapshot;
    private volatile boolean closed;

    // confined to the executor thread
    private final Map<String, EtcdValue> values = new HashMap<>();
    private long revision;
    private long generation;
    private Watch.Watcher watcher;
    private boolean unreachable;
    private long backoffMillis = INITIAL_BACKOFF_MILLIS;

    WatchCache(KV kv, Watch watch, DcsKeys keys, EtcdCalls calls)
    {
        this.kv = requireNonNull(kv, "kv is null");
        this.watch = requireNonNull(watch, "watch is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.calls = requireNonNull(calls, "calls is null");
        this.prefix = ByteSequence.from(keys.base(), UTF_8);
        this.executor = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "herd-etcd-watch");
            thread.setDaemon(true);
            return thread;
        });
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    void start()
    {
        submit(this::resync);
    }

    /** The cached keys, empty while the cache is not in sync with etcd. */
    Optional<Snapshot> snapshot()
    {
        return Optional.ofNullable(snapshot);
    }

    /** A linearizable range over the prefix. */
    Snapshot readFresh(EtcdCalls.Deadline deadline)
    {
        GetOption option = GetOption.builder().isPrefix(true).withSerializable(false).build();
        GetResponse response = calls.call(deadline, "read " + keys.base(), () -> kv.get(prefix, option));
        Map<String, EtcdValue> fresh = new HashMap<>();
        for (KeyValue kv : response.getKvs()) {
            String key = keys.relative(kv.getKey().toString(UTF_8));
            if (key != null) {
                fresh.put(key, value(kv));
            }
        }
        return new Snapshot(fresh, response.getHeader().getRevision());
    }

    AutoCloseable addListener(Consumer<DcsChange> listener)
    {
        requireNonNull(listener, "listener is null");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void resync()
    {
        if (closed) {
            return;
        }
        long current = ++generation;
        closeWatcher();
        Snapshot fresh;
        try {
            fresh = readFresh(calls.deadline());
        }
        catch (RuntimeException e) {
            snapshot = null;
            if (!unreachable) {
                unreachable = true;
                log.warn("etcd at {} is unreachable or refuses us; retrying in the background: {}", calls.endpoints(), e.getMessage());
            }
            schedule(this::resync, backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
            return;
        }
        values.clear();
        values.putAll(fresh.values());
        revision = fresh.revision();
        WatchOption option = WatchOption.builder().isPrefix(true).withRevision(revision + 1).build();
        watcher = watch.watch(prefix, option, Watch.listener(
                response -> submit(() -> onEvents(current, response)),
                error -> submit(() -> onBroken(current, error)),
                () -> submit(() -> onBroken(current, null))));
        snapshot = fresh;
        backoffMillis = INITIAL_BACKOFF_MILLIS;
        if (unreachable) {
            unreachable = false;
            log.info("etcd at {} is reachable again; cache resynced at revision {}", calls.endpoints(), revision);
        }
        notifyListeners(new DcsChange(Set.of(), true));
    }

    private void onEvents(long watchGeneration, WatchResponse response)
    {
        if (watchGeneration != generation || closed) {
            return;
        }
        Set<String> changed = new LinkedHashSet<>();
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            String key = keys.relative(kv.getKey().toString(UTF_8));
            if (key == null) {
                continue;
            }
            changed.add(key);
            switch (event.getEventType()) {
                case PUT -> values.put(key, value(kv));
                case DELETE -> values.remove(key);
                default -> log.debug("Ignoring watch event {} on {}", event.getEventType(), key);
            }
            revision = Math.max(revision, kv.getModRevision());
        }
        revision = Math.max(revision, response.getHeader().getRevision());
        snapshot = new Snapshot(values, revision);
        if (!changed.isEmpty()) {
            notifyListeners(new DcsChange(changed, false));
        }
    }

    private void onBroken(long watchGeneration, Throwable error)
    {
        if (watchGeneration != generation || closed) {
            return;
        }
        snapshot = null;
        if (error instanceof CompactedException) {
            log.info("Watch on {} fell behind etcd's compaction; reading everything again", keys.base());
        }
        else {
            log.debug("Watch on {} broke; resyncing", keys.base(), error);
        }
        resync();
    }

    private void notifyListeners(DcsChange change)
    {
        for (Consumer<DcsChange> listener : listeners) {
            try {
                listener.accept(change);
            }
            catch (RuntimeException e) {
                log.warn("DCS listener {} failed on {}", listener, change, e);
            }
        }
    }

    private void closeWatcher()
    {
        if (watcher != null) {
            Watch.Watcher old = watcher;
            watcher = null;
            try {
                old.close();
            }
            catch (RuntimeException e) {
                log.debug("Closing the watch failed", e);
            }
        }
    }

    private static EtcdValue value(KeyValue kv)
    {
        return new EtcdValue(kv.getValue().toString(UTF_8), kv.getModRevision(), kv.getLease());
    }

    private void submit(Runnable task)
    {
        try {
            executor.execute(guarded(task));
        }
        catch (RejectedExecutionException e) {
            // closed
        }
    }

    private void schedule(Runnable task, long delayMillis)
    {
        try {
            executor.schedule(guarded(task), delayMillis, TimeUnit.MILLISECONDS);
        }
        catch (RejectedExecutionException e) {
            // closed
        }
    }

    private Runnable guarded(Runnable task)
    {
        return () -> {
            try {
                task.run();
            }
            catch (Throwable t) {
                log.error("Unexpected failure in the etcd watch thread", t);
                if (!closed) {
                    snapshot = null;
                    schedule(this::resync, MAX_BACKOFF_MILLIS);
                }
            }
        };
    }

    @Override
    public void close()
    {
        closed = true;
        snapshot = null;
        try {
            executor.execute(this::closeWatcher);
        }
        catch (RejectedExecutionException ignored) {
            // already closed
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }
}
