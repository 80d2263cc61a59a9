package io.herd.proxy.relay;

import io.herd.proxy.ProxyMetrics;
import io.herd.proxy.config.ListenerConfig;
import io.herd.proxy.config.ListenerRole;
import io.herd.proxy.routing.Backend;
import io.herd.proxy.routing.Routes;
import io.herd.proxy.routing.RoutingListener;
import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * Every relayed client connection by listener and backend, and the connections waiting for a backend. On a routing
 * change it closes at once every client of a primary listener whose backend is no longer the leader (so no client
 * keeps writing into a demoted node), every client of a replicas/any listener whose backend left that listener's set,
 * and wakes the waiters of listeners that have a backend again.
 */
public final class Connections
        implements RoutingListener
{
    private static final Logger log = LoggerFactory.getLogger(Connections.class);

    private final Map<String, ListenerConfig> listeners = new ConcurrentHashMap<>();
    private final Map<Key, ChannelGroup> relayed = new ConcurrentHashMap<>();
    private final Map<String, Queue<Runnable>> waiters = new ConcurrentHashMap<>();
    private final ChannelGroup all = new DefaultChannelGroup("herd-proxy-clients", GlobalEventExecutor.INSTANCE);
    private final ProxyMetrics metrics;

    public Connections(List<ListenerConfig> listeners, ProxyMetrics metrics)
    {
        requireNonNull(listeners, "listeners is null").forEach(listener -> {
            this.listeners.put(listener.name(), listener);
            waiters.put(listener.name(), new ConcurrentLinkedQueue<>());
        });
        this.metrics = requireNonNull(metrics, "metrics is null");
    }

    /** Every client connection, relayed or waiting (for shutdown). */
    public ChannelGroup all()
    {
        return all;
    }

    public void relayed(String listener, Backend backend, Channel client)
    {
        relayed.computeIfAbsent(new Key(listener, backend.name()), key -> new DefaultChannelGroup(key.toString(), GlobalEventExecutor.INSTANCE)).add(client);
    }

    public void await(String listener, Runnable wakeUp)
    {
        waiters.get(listener).add(wakeUp);
    }

    public void stopWaiting(String listener, Runnable wakeUp)
    {
        waiters.get(listener).remove(wakeUp);
    }

    @Override
    public void routesChanged(Routes previous, Routes current)
    {
        Optional<String> before = previous.leaderName();
        Optional<String> after = current.leaderName();
        if (after.isPresent() && !after.equals(before)) {
            metrics.leaderChanged();
        }
        for (ListenerConfig listener : listeners.values()) {
            if (listener.role() != ListenerRole.PRIMARY) {
                closeRemoved(listener, previous, current);
            }
            else if (before.isPresent() && !before.equals(after)) {
                int count = closeRelayed(listener.name(), before.get());
                if (count > 0) {
                    metrics.demotedClosed(listener.name(), before.get(), count);
                    log.info("Closed {} client connection(s) of listener {} to {}: it is no longer the leader", count, listener.name(), before.get());
                }
            }
        }
        for (Map.Entry<String, Queue<Runnable>> entry : waiters.entrySet()) {
            if (!current.backends(entry.getKey()).isEmpty()) {
                Runnable wakeUp;
                while ((wakeUp = entry.getValue().poll()) != null) {
                    wakeUp.run();
                }
            }
        }
    }

    /**
     * A replicas or any listener drops the clients of a backend that left its set (a replica promoted, lagging past the
     * bound, tagged noloadbalance, failing its check), like HAProxy's on-marked-down shutdown-sessions: a read-only
     * client must not stay on a node that now takes writes or serves stale reads. The primary a replicas listener
     * fell back to keeps its clients when replicas return: it still serves them correctly.
     */
    private void closeRemoved(ListenerConfig listener, Routes previous, Routes current)
    {
        Set<String> now = current.backends(listener.name()).stream().map(Backend::name).collect(Collectors.toSet());
        for (Backend backend : previous.backends(listener.name())) {
            boolean fallbackPrimary = listener.role() == ListenerRole.REPLICAS && previous.leaderName().equals(Optional.of(backend.name()))
                    && current.leaderName().equals(Optional.of(backend.name()));
            if (now.contains(backend.name()) || fallbackPrimary) {
                continue;
            }
            int count = closeRelayed(listener.name(), backend.name());
            if (count == 0) {
                continue;
            }
            metrics.removedClosed(listener.name(), backend.name(), count);
            log.info("Closed {} client connection(s) of listener {} to {}: it no longer qualifies as a {} backend", count, listener.name(), backend.name(),
                    listener.role().name().toLowerCase(Locale.ROOT));
        }
    }

    /** Closes the listener's clients relayed to backend; how many there were. */
    private int closeRelayed(String listener, String backend)
    {
        ChannelGroup group = relayed.get(new Key(listener, backend));
        if (group == null || group.isEmpty()) {
            return 0;
        }
        int count = group.size();
        group.close();
        return count;
    }

    private record Key(String listener, String backend)
    {
        @Override
        public String toString()
        {
            return listener + "->" + backend;
        }
    }
}
