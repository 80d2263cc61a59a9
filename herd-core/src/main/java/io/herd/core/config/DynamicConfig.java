package io.herd.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.core.cluster.PatroniCodec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * The cluster-wide settings kept in the {@code config} key (seeded from {@code bootstrap.dcs}).
 *
 * <p>Herd's own defaults are faster than Patroni's 30/10/10: {@code ttl} 4 s, {@code loop_wait} 1 s and
 * {@code retry_timeout} 1.5 s. They still satisfy Patroni's rule {@code loop_wait + 2 * retry_timeout <= ttl}, which
 * is what lets a primary that cannot renew demote before its lease can expire for the others. A config that sets
 * the values (every Patroni config does) keeps them.
 */
public record DynamicConfig(
        Duration ttl,
        Duration loopWait,
        Duration retryTimeout,
        long maximumLagOnFailover,
        Duration primaryStartTimeout,
        boolean useSlots,
        boolean usePgRewind,
        Map<String, String> parameters,
        List<String> warnings)
{
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(4);
    public static final Duration DEFAULT_LOOP_WAIT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_TIMEOUT = Duration.ofMillis(1500);
    /** etcd will not grant a shorter lease than about 2 s with its default election timeout. */
    public static final Duration MINIMUM_TTL = Duration.ofSeconds(2);

    public DynamicConfig
    {
        requireNonNull(ttl, "ttl is null");
        requireNonNull(loopWait, "loopWait is null");
        requireNonNull(retryTimeout, "retryTimeout is null");
        requireNonNull(primaryStartTimeout, "primaryStartTimeout is null");
        parameters = Map.copyOf(requireNonNull(parameters, "parameters is null"));
        warnings = List.copyOf(requireNonNull(warnings, "warnings is null"));
    }

    public static DynamicConfig defaults()
    {
        return parse(PatroniCodec.JSON.createObjectNode());
    }

    /**
     * Reads a {@code config} value. Never throws: a value the store holds may have been written by anyone, so a
     * bad field falls back to its default with a warning naming the key and the value.
     */
    public static DynamicConfig parse(ObjectNode node)
    {
        List<String> warnings = new ArrayList<>();
        Duration ttl = seconds(node, "ttl", DEFAULT_TTL, warnings);
        Duration loopWait = seconds(node, "loop_wait", DEFAULT_LOOP_WAIT, warnings);
        Duration retryTimeout = seconds(node, "retry_timeout", DEFAULT_RETRY_TIMEOUT, warnings);
        if (ttl.compareTo(MINIMUM_TTL) < 0) {
            warnings.add("ttl " + ttl.toMillis() / 1000.0 + " is below the minimum of 2 seconds; using 2");
            ttl = MINIMUM_TTL;
        }
        // Patroni's rule, applied as Patroni applies it: shorten loop_wait, then retry_timeout.
        if (loopWait.plus(retryTimeout.multipliedBy(2)).compareTo(ttl) > 0) {
            Duration adjusted = ttl.minus(retryTimeout.multipliedBy(2));
            if (adjusted.compareTo(Duration.ofMillis(500)) >= 0) {
                warnings.add("loop_wait + 2 * retry_timeout exceeds ttl; lowering loop_wait to " + adjusted.toMillis() + " ms");
                loopWait = adjusted;
            }
            else {
                loopWait = Duration.ofMillis(Math.min(1000, ttl.toMillis() / 4));
                retryTimeout = ttl.minus(loopWait).dividedBy(2);
                warnings.add("loop_wait + 2 * retry_timeout exceeds ttl; using loop_wait " + loopWait.toMillis() + " ms and retry_timeout " + retryTimeout.toMillis() + " ms");
            }
        }
        long maxLag = bytes(node, "maximum_lag_on_failover", 1048576, warnings);
        Duration primaryStartTimeout = seconds(node, node.has("primary_start_timeout") ? "primary_start_timeout" : "master_start_timeout", Duration.ofSeconds(300), warnings);
        JsonNode postgresql = node.path("postgresql");
        boolean useSlots = bool(postgresql, "postgresql.use_slots", "use_slots", true, warnings);
        boolean usePgRewind = bool(postgresql, "postgresql.use_pg_rewind", "use_pg_rewind", false, warnings);
        Map<String, String> parameters = new LinkedHashMap<>();
        JsonNode params = postgresql.path("parameters");
        if (params.isObject()) {
            params.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull() && !e.getValue().isContainerNode()) {
                    parameters.put(e.getKey(), e.getValue().isBoolean() ? (e.getValue().asBoolean() ? "on" : "off") : e.getValue().asText());
                }
            });
        }
        return new DynamicConfig(ttl, loopWait, retryTimeout, maxLag, primaryStartTimeout, useSlots, usePgRewind, parameters, warnings);
    }

    private static Duration seconds(JsonNode node, String key, Duration fallback, List<String> warnings)
    {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        try {
            return Durations.parseSeconds(value.isNumber() ? value.numberValue().toString() : value.asText());
        }
        catch (IllegalArgumentException e) {
            warnings.add(key + " is '" + value.asText() + "', expected seconds (e.g. 30 or 1.5); using " + fallback.toMillis() / 1000.0);
            return fallback;
        }
    }

    private static long bytes(JsonNode node, String key, long fallback, List<String> warnings)
    {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        try {
            return DataSizes.parseBytes(value.asText());
        }
        catch (IllegalArgumentException e) {
            warnings.add(key + " is '" + value.asText() + "', expected bytes (e.g. 1048576 or 1MB); using " + fallback);
            return fallback;
        }
    }

    private static boolean bool(JsonNode node, String name, String key, boolean fallback, List<String> warnings)
    {
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        String text = value.asText().trim().toLowerCase(java.util.Locale.ROOT);
        return switch (text) {
            case "true", "on", "yes", "1" -> true;
            case "false", "off", "no", "0" -> false;
            default -> {
                warnings.add(name + " is '" + value.asText() + "', expected true or false; using " + fallback);
                yield fallback;
            }
        };
    }
}
