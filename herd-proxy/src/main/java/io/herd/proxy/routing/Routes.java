package io.herd.proxy.routing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Where new connections go, decided as one immutable snapshot so all listeners agree.
 *
 * @param leader the one backend the primary listeners use; empty when the proxy is not sure
 * @param reason why, for the log line and {@code /status}
 * @param byListener the backends each listener balances over, by listener name
 */
public record Routes(Optional<Backend> leader, String reason, Map<String, List<Backend>> byListener)
{
    public static final Routes NONE = new Routes(Optional.empty(), "starting", Map.of());

    public Routes
    {
        requireNonNull(leader, "leader is null");
        requireNonNull(reason, "reason is null");
        Map<String, List<Backend>> copy = new LinkedHashMap<>();
        requireNonNull(byListener, "byListener is null").forEach((name, backends) -> copy.put(name, List.copyOf(backends)));
        byListener = Collections.unmodifiableMap(copy);
    }

    public List<Backend> backends(String listener)
    {
        return byListener.getOrDefault(listener, List.of());
    }

    public Optional<String> leaderName()
    {
        return leader.map(Backend::name);
    }

    /** Same routing, ignoring the reason text. */
    public boolean sameAs(Routes other)
    {
        return leader.equals(other.leader) && byListener.equals(other.byListener);
    }
}
