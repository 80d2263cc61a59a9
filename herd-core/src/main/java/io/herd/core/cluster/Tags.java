package io.herd.core.cluster;

import java.util.Locale;
import java.util.Map;

/**
 * Patroni's tag semantics: booleans may be written as YAML booleans or strings,
 * {@code nofailover} forces priority 0 and a priority of 0 or less means no failover.
 */
public final class Tags
{
    private Tags() {}

    public static boolean flag(Map<String, Object> tags, String name)
    {
        return truthy(tags.get(name));
    }

    public static boolean nofailover(Map<String, Object> tags)
    {
        if (tags.containsKey("nofailover")) {
            return truthy(tags.get("nofailover"));
        }
        return tags.containsKey("failover_priority") && failoverPriority(tags) <= 0;
    }

    public static int failoverPriority(Map<String, Object> tags)
    {
        if (truthy(tags.get("nofailover"))) {
            return 0;
        }
        Object value = tags.get("failover_priority");
        if (value instanceof Number number) {
            return number.intValue();
        }
        if (value instanceof String text) {
            try {
                return Integer.parseInt(text.trim());
            }
            catch (NumberFormatException ignored) {
                return 1;
            }
        }
        return 1;
    }

    public static boolean truthy(Object value)
    {
        if (value instanceof Boolean bool) {
            return bool;
        }
        if (value instanceof Number number) {
            return number.doubleValue() != 0;
        }
        if (value instanceof String text) {
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "1", "y" -> true;
                default -> false;
            };
        }
        return false;
    }
}
