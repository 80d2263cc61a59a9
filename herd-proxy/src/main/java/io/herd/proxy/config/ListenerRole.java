package io.herd.proxy.config;

import java.util.Locale;
import java.util.Optional;

/** Which backends a listener may send a new connection to. */
public enum ListenerRole
{
    /** Read-write: only the current leader, and none while the proxy is not sure which node that is. */
    PRIMARY,
    /** Read-only: streaming replicas, balanced round-robin. */
    REPLICAS,
    /** The leader and every eligible replica. */
    ANY;

    public static Optional<ListenerRole> parse(String text)
    {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "primary", "master", "read-write" -> Optional.of(PRIMARY);
            case "replicas", "replica", "read-only" -> Optional.of(REPLICAS);
            case "any" -> Optional.of(ANY);
            default -> Optional.empty();
        };
    }

    public String configName()
    {
        return name().toLowerCase(Locale.ROOT);
    }
}
