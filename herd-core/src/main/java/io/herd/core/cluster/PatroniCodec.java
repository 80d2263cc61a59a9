package io.herd.core.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and writes the values of Patroni's keys. Parsing never throws: like Patroni, garbage in a key
 * reads as the key's empty value, so a bad write by anyone cannot crash an agent.
 */
public final class PatroniCodec
{
    public static final ObjectMapper JSON = new ObjectMapper();

    private static final Set<String> MEMBER_FIELDS = Set.of(
            "conn_url", "api_url", "state", "role", "version", "xlog_location", "timeline",
            "replication_state", "receive_lsn", "replay_lsn", "tags");

    private PatroniCodec() {}

    public static Optional<Member> parseMember(String name, String value)
    {
        JsonNode node = readTree(value);
        if (node == null || !node.isObject()) {
            // Patroni's legacy format: postgres://u:p@h:p/postgres?application_name=<api_url>
            if (value != null && value.startsWith("postgres")) {
                int at = value.indexOf("application_name=");
                String api = at >= 0 ? value.substring(at + "application_name=".length()) : "";
                return Optional.of(new Member(name, value, api, "unknown", "unknown", "",
                        OptionalLong.empty(), OptionalInt.empty(), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), Map.of(), Map.of()));
            }
            return Optional.empty();
        }
        Map<String, Object> tags = new LinkedHashMap<>();
        JsonNode tagNode = node.get("tags");
        if (tagNode != null && tagNode.isObject()) {
            tagNode.fields().forEachRemaining(e -> tags.put(e.getKey(), scalar(e.getValue())));
        }
        tags.values().removeIf(java.util.Objects::isNull);
        Map<String, Object> extra = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            if (!MEMBER_FIELDS.contains(e.getKey())) {
                Object converted = JSON.convertValue(e.getValue(), Object.class);
                if (converted != null) {
                    extra.put(e.getKey(), converted);
                }
            }
        });
        return Optional.of(new Member(
                name,
                text(node, "conn_url").orElse(""),
                text(node, "api_url").orElse(""),
                text(node, "state").orElse("unknown"),
                text(node, "role").orElse("unknown"),
                text(node, "version").orElse(""),
                longValue(node, "xlog_location"),
                intValue(node, "timeline"),
                text(node, "replication_state"),
                longValue(node, "receive_lsn"),
                longValue(node, "replay_lsn"),
                tags,
                extra));
    }

    public static String formatMember(Member member)
    {
        ObjectNode node = JSON.createObjectNode();
        node.put("conn_url", member.connUrl());
        node.put("api_url", member.apiUrl());
        node.put("state", member.state());
        node.put("role", member.role());
        node.put("version", member.version());
        member.xlogLocation().ifPresent(v -> node.put("xlog_location", v));
        member.timeline().ifPresent(v -> node.put("timeline", v));
        member.replicationState().ifPresent(v -> node.put("replication_state", v));
        member.receiveLsn().ifPresent(v -> node.put("receive_lsn", v));
        member.replayLsn().ifPresent(v -> node.put("replay_lsn", v));
        if (!member.tags().isEmpty()) {
            node.set("tags", JSON.valueToTree(member.tags()));
        }
        member.extra().forEach((k, v) -> node.set(k, JSON.valueToTree(v)));
        return write(node);
    }

    public static ClusterStatus parseStatus(String value)
    {
        JsonNode node = readTree(value);
        if (node == null) {
            return ClusterStatus.EMPTY;
        }
        if (node.isNumber()) {
            return new ClusterStatus(node.asLong(), Map.of(), List.of());
        }
        if (!node.isObject()) {
            return ClusterStatus.EMPTY;
        }
        Map<String, Long> slots = new LinkedHashMap<>();
        JsonNode slotNode = node.get("slots");
        if (slotNode != null && slotNode.isObject()) {
            slotNode.fields().forEachRemaining(e -> {
                if (e.getValue().canConvertToLong()) {
                    slots.put(e.getKey(), e.getValue().asLong());
                }
            });
        }
        List<String> retain = new ArrayList<>();
        JsonNode retainNode = node.get("retain_slots");
        if (retainNode != null && retainNode.isArray()) {
            retainNode.forEach(n -> {
                if (n.isTextual()) {
                    retain.add(n.asText());
                }
            });
        }
        return new ClusterStatus(longValue(node, "optime").orElse(0), slots, retain);
    }

    public static String formatStatus(ClusterStatus status)
    {
        ObjectNode node = JSON.createObjectNode();
        node.put("optime", status.optime());
        if (!status.slots().isEmpty()) {
            node.set("slots", JSON.valueToTree(status.slots()));
        }
        if (!status.retainSlots().isEmpty()) {
            node.set("retain_slots", JSON.valueToTree(status.retainSlots()));
        }
        return write(node);
    }

    /** Legacy {@code optime/leader}: a plain integer. */
    public static OptionalLong parseLegacyOptime(String value)
    {
        try {
            return value == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(value.trim()));
        }
        catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    public static FailoverRequest parseFailover(String value, long modRevision)
    {
        JsonNode node = readTree(value);
        if (node == null || !node.isObject()) {
            // legacy "leader:candidate"
            if (value != null && value.contains(":") && !value.trim().startsWith("{")) {
                String[] parts = value.split(":", 2);
                return new FailoverRequest(nonBlank(parts[0]), nonBlank(parts[1]), Optional.empty(), modRevision);
            }
            return new FailoverRequest(Optional.empty(), Optional.empty(), Optional.empty(), modRevision);
        }
        Optional<String> candidate = text(node, "member").or(() -> text(node, "candidate"));
        Optional<OffsetDateTime> scheduled = text(node, "scheduled_at").flatMap(PatroniCodec::parseTimestamp);
        return new FailoverRequest(text(node, "leader").flatMap(PatroniCodec::nonBlank), candidate.flatMap(PatroniCodec::nonBlank), scheduled, modRevision);
    }

    public static String formatFailover(FailoverRequest request)
    {
        ObjectNode node = JSON.createObjectNode();
        request.leader().ifPresent(v -> node.put("leader", v));
        request.candidate().ifPresent(v -> node.put("member", v));
        request.scheduledAt().ifPresent(v -> node.put("scheduled_at", v.toString()));
        return write(node);
    }

    public static SyncState parseSync(String value, long modRevision)
    {
        JsonNode node = readTree(value);
        if (node == null || !node.isObject()) {
            return new SyncState(Optional.empty(), Set.of(), 0, modRevision);
        }
        Set<String> standbys = new TreeSet<>();
        JsonNode standbyNode = node.get("sync_standby");
        if (standbyNode != null && standbyNode.isTextual()) {
            Arrays.stream(standbyNode.asText().split(","))
                    .map(String::trim)
                    .filter(s -> !s.isEmpty())
                    .forEach(standbys::add);
        }
        return new SyncState(text(node, "leader").flatMap(PatroniCodec::nonBlank), standbys, intValue(node, "quorum").orElse(0), modRevision);
    }

    public static String formatSync(SyncState state)
    {
        ObjectNode node = JSON.createObjectNode();
        node.put("leader", state.leader().orElse(null));
        node.put("quorum", state.quorum());
        if (state.syncStandbys().isEmpty()) {
            node.putNull("sync_standby");
        }
        else {
            node.put("sync_standby", String.join(",", new TreeSet<>(state.syncStandbys())));
        }
        return write(node);
    }

    public static TimelineHistory parseHistory(String value)
    {
        JsonNode node = readTree(value);
        if (node == null || !node.isArray()) {
            return TimelineHistory.EMPTY;
        }
        List<TimelineHistory.Entry> entries = new ArrayList<>();
        for (JsonNode line : node) {
            if (!line.isArray() || line.size() < 3 || !line.get(0).canConvertToInt() || !line.get(1).canConvertToLong()) {
                continue;
            }
            entries.add(new TimelineHistory.Entry(
                    line.get(0).asInt(),
                    line.get(1).asLong(),
                    line.get(2).asText(),
                    line.size() > 3 && line.get(3).isTextual() ? Optional.of(line.get(3).asText()) : Optional.empty(),
                    line.size() > 4 && line.get(4).isTextual() ? Optional.of(line.get(4).asText()) : Optional.empty()));
        }
        return new TimelineHistory(entries);
    }

    public static String formatHistory(TimelineHistory history)
    {
        ArrayNode array = JSON.createArrayNode();
        for (TimelineHistory.Entry entry : history.entries()) {
            ArrayNode line = array.addArray();
            line.add(entry.timeline());
            line.add(entry.switchLsn());
            line.add(entry.reason());
            entry.timestamp().ifPresent(line::add);
            if (entry.newLeader().isPresent()) {
                if (entry.timestamp().isEmpty()) {
                    line.addNull();
                }
                line.add(entry.newLeader().get());
            }
        }
        return write(array);
    }

    public static Optional<ObjectNode> parseConfig(String value)
    {
        JsonNode node = readTree(value);
        return node != null && node.isObject() ? Optional.of((ObjectNode) node) : Optional.empty();
    }

    public static Map<String, Object> toMap(JsonNode node)
    {
        if (node == null || !node.isObject()) {
            return Map.of();
        }
        return JSON.convertValue(node, new TypeReference<LinkedHashMap<String, Object>>() {});
    }

    public static String write(JsonNode node)
    {
        try {
            return JSON.writeValueAsString(node);
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode readTree(String value)
    {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(value);
        }
        catch (JsonProcessingException e) {
            return null;
        }
    }

    public static Optional<OffsetDateTime> parseTimestamp(String text)
    {
        try {
            return Optional.of(OffsetDateTime.parse(text.trim().replace(' ', 'T')));
        }
        catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> nonBlank(String value)
    {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private static Optional<String> text(JsonNode node, String field)
    {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.isContainerNode() ? Optional.empty() : Optional.of(value.asText());
    }

    private static OptionalLong longValue(JsonNode node, String field)
    {
        JsonNode value = node.get(field);
        if (value == null) {
            return OptionalLong.empty();
        }
        if (value.isNumber() && value.canConvertToLong()) {
            return OptionalLong.of(value.asLong());
        }
        if (value.isTextual()) {
            try {
                return OptionalLong.of(Long.parseLong(value.asText().trim()));
            }
            catch (NumberFormatException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalInt intValue(JsonNode node, String field)
    {
        OptionalLong value = longValue(node, field);
        return value.isPresent() && value.getAsLong() == (int) value.getAsLong() ? OptionalInt.of((int) value.getAsLong()) : OptionalInt.empty();
    }

    private static Object scalar(JsonNode node)
    {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isIntegralNumber()) {
            return node.longValue() == node.intValue() ? (Object) node.intValue() : (Object) node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        if (node.isContainerNode()) {
            return JSON.convertValue(node, Object.class);
        }
        return node.asText();
    }

}
