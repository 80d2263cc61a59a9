package io.herd.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.core.cluster.ClusterStatus;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.FailoverRequest;
import io.herd.core.cluster.Leader;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.PatroniCodec;
import io.herd.core.cluster.SyncState;
import io.herd.core.cluster.TimelineHistory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import static java.util.Objects.requireNonNull;

/**
 * Turns a {@link Snapshot} into a {@link ClusterView}. Never throws on bad values: garbage reads as the key's empty
 * value and is logged once per key and mod revision.
 */
final class ClusterViewParser
{
    private static final Logger log = LoggerFactory.getLogger(ClusterViewParser.class);
    private static final String MEMBERS = "members/";

    private final String base;
    private final Map<String, Long> warned = new ConcurrentHashMap<>();

    ClusterViewParser(String base)
    {
        this.base = requireNonNull(base, "base is null");
    }

    ClusterView parse(Snapshot snapshot)
    {
        Optional<EtcdValue> config = snapshot.get("config");
        Optional<ObjectNode> configJson = config.flatMap(v -> checked("config", v, PatroniCodec.parseConfig(v.value())));
        return new ClusterView(
                snapshot.get("initialize").map(EtcdValue::value),
                configJson,
                config.map(EtcdValue::modRevision).orElse(0L),
                snapshot.get("leader").flatMap(this::leader),
                members(snapshot),
                status(snapshot),
                snapshot.get("failover").map(this::failover),
                snapshot.get("sync").map(this::sync).orElse(SyncState.EMPTY),
                snapshot.get("history").map(this::history).orElse(TimelineHistory.EMPTY),
                snapshot.revision());
    }

    private Optional<Leader> leader(EtcdValue value)
    {
        boolean valid = !value.value().isBlank() && value.value().chars().noneMatch(Character::isISOControl);
        return checked("leader", value, valid ? Optional.of(new Leader(value.value(), value.lease(), value.modRevision())) : Optional.empty());
    }

    private Map<String, Member> members(Snapshot snapshot)
    {
        Map<String, Member> members = new TreeMap<>();
        snapshot.values().forEach((key, value) -> {
            if (key.startsWith(MEMBERS) && key.length() > MEMBERS.length()) {
                String name = key.substring(MEMBERS.length());
                checked(key, value, PatroniCodec.parseMember(name, value.value())).ifPresent(m -> members.put(name, m));
            }
        });
        return members;
    }

    private ClusterStatus status(Snapshot snapshot)
    {
        Optional<EtcdValue> status = snapshot.get("status");
        if (status.isPresent()) {
            JsonNode node = PatroniCodec.readTree(status.get().value());
            boolean valid = node != null && (node.isObject() || node.isNumber());
            checked("status", status.get(), valid ? Optional.of(true) : Optional.empty());
            return PatroniCodec.parseStatus(status.get().value());
        }
        return snapshot.get("optime/leader")
                .flatMap(v -> checked("optime/leader", v, optional(PatroniCodec.parseLegacyOptime(v.value()))))
                .map(optime -> new ClusterStatus(optime, Map.of(), List.of()))
                .orElse(ClusterStatus.EMPTY);
    }

    private FailoverRequest failover(EtcdValue value)
    {
        JsonNode node = PatroniCodec.readTree(value.value());
        boolean legacy = node == null && value.value().contains(":") && !value.value().trim().startsWith("{");
        boolean valid = (node != null && node.isObject()) || legacy;
        checked("failover", value, valid ? Optional.of(true) : Optional.empty());
        return PatroniCodec.parseFailover(value.value(), value.modRevision());
    }

    private SyncState sync(EtcdValue value)
    {
        JsonNode node = PatroniCodec.readTree(value.value());
        checked("sync", value, node != null && node.isObject() ? Optional.of(true) : Optional.empty());
        return PatroniCodec.parseSync(value.value(), value.modRevision());
    }

    private TimelineHistory history(EtcdValue value)
    {
        JsonNode node = PatroniCodec.readTree(value.value());
        checked("history", value, node != null && node.isArray() ? Optional.of(true) : Optional.empty());
        return PatroniCodec.parseHistory(value.value());
    }

    /** Logs once per key and mod revision when {@code parsed} is empty. */
    private <T> Optional<T> checked(String key, EtcdValue value, Optional<T> parsed)
    {
        if (parsed.isEmpty()) {
            Long previous = warned.put(key, value.modRevision());
            if (previous == null || previous != value.modRevision()) {
                log.warn("Ignoring unreadable value of {}{} (mod revision {}): {}", base, key, value.modRevision(), abbreviate(value.value()));
            }
        }
        return parsed;
    }

    private static Optional<Long> optional(OptionalLong value)
    {
        return value.isPresent() ? Optional.of(value.getAsLong()) : Optional.empty();
    }

    private static String abbreviate(String value)
    {
        String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        StringBuilder out = new StringBuilder("'");
        shown.chars().forEach(c -> out.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return out.append('\'').toString();
    }
}
