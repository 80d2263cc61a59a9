package io.herd.backup.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * {@code <name>_backup_stop_sentinel.json} in WAL-G's V2 format (every key of BackupSentinelDtoV2, with Spec and
 * ChkpNum written as null like WAL-G v3.0.5). Herd adds {@code HerdObjects}: size and SHA-256 of every object of the
 * backup folder, keyed by path relative to the folder. WAL-G ignores unknown keys.
 */
public record BackupSentinel(
        long lsn,
        long finishLsn,
        int pgVersion,
        Optional<Long> systemIdentifier,
        long uncompressedSize,
        long compressedSize,
        long dataCatalogSize,
        Optional<String> deltaFrom,
        Optional<Long> deltaLsn,
        Optional<String> deltaFullName,
        int deltaCount,
        Instant startTime,
        Instant finishTime,
        String hostname,
        String dataDir,
        boolean permanent,
        boolean filesMetadataDisabled,
        int version,
        Map<String, ObjectChecksum> herdObjects)
{
    public static final String DATE_FMT = "%Y-%m-%dT%H:%M:%S.%fZ";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public BackupSentinel
    {
        requireNonNull(systemIdentifier, "systemIdentifier is null");
        requireNonNull(deltaFrom, "deltaFrom is null");
        requireNonNull(deltaLsn, "deltaLsn is null");
        requireNonNull(deltaFullName, "deltaFullName is null");
        requireNonNull(startTime, "startTime is null");
        requireNonNull(finishTime, "finishTime is null");
        requireNonNull(hostname, "hostname is null");
        requireNonNull(dataDir, "dataDir is null");
        herdObjects = Map.copyOf(requireNonNull(herdObjects, "herdObjects is null"));
    }

    public boolean isDelta()
    {
        return deltaFrom.isPresent();
    }

    public byte[] toJson()
    {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode node = json.objectNode();
        node.put("LSN", unsigned(lsn));
        deltaLsn.ifPresent(value -> node.put("DeltaLSN", unsigned(value)));
        deltaFrom.ifPresent(value -> node.put("DeltaFrom", value));
        deltaFullName.ifPresent(value -> node.put("DeltaFullName", value));
        if (deltaCount > 0) {
            node.put("DeltaCount", deltaCount);
        }
        node.put("PgVersion", pgVersion);
        node.put("FinishLSN", unsigned(finishLsn));
        systemIdentifier.ifPresent(value -> node.put("SystemIdentifier", unsigned(value)));
        node.put("UncompressedSize", uncompressedSize);
        node.put("CompressedSize", compressedSize);
        if (dataCatalogSize > 0) {
            node.put("DataCatalogSize", dataCatalogSize);
        }
        node.putNull("Spec");
        if (filesMetadataDisabled) {
            node.put("FilesMetadataDisabled", true);
        }
        node.putNull("ChkpNum");
        node.put("Version", version);
        node.put("StartTime", startTime.toString());
        node.put("FinishTime", finishTime.toString());
        node.put("DateFmt", DATE_FMT);
        node.put("Hostname", hostname);
        node.put("DataDir", dataDir);
        node.put("IsPermanent", permanent);
        ObjectNode objects = node.putObject("HerdObjects");
        herdObjects.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            ObjectNode checksum = objects.putObject(entry.getKey());
            checksum.put("Size", entry.getValue().size());
            checksum.put("SHA256", entry.getValue().sha256());
        });
        try {
            return MAPPER.writeValueAsBytes(node);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads V2 and older sentinels (DeltaFromLSN, lowercase spec), tolerating unknown keys. */
    public static BackupSentinel fromJson(byte[] content)
            throws IOException
    {
        JsonNode node = MAPPER.readTree(content);
        if (node == null || !node.isObject()) {
            throw new IOException("sentinel is not a JSON object");
        }
        Map<String, ObjectChecksum> objects = new LinkedHashMap<>();
        JsonNode herd = node.path("HerdObjects");
        for (Iterator<Map.Entry<String, JsonNode>> fields = herd.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            objects.put(field.getKey(), new ObjectChecksum(field.getValue().path("Size").asLong(-1), field.getValue().path("SHA256").asText("")));
        }
        JsonNode deltaLsn = node.hasNonNull("DeltaLSN") ? node.get("DeltaLSN") : node.get("DeltaFromLSN");
        return new BackupSentinel(
                unsignedLong(node.get("LSN")).orElse(0L),
                unsignedLong(node.get("FinishLSN")).orElse(0L),
                node.path("PgVersion").asInt(0),
                unsignedLong(node.get("SystemIdentifier")),
                node.path("UncompressedSize").asLong(0),
                node.path("CompressedSize").asLong(0),
                node.path("DataCatalogSize").asLong(0),
                text(node, "DeltaFrom"),
                unsignedLong(deltaLsn),
                text(node, "DeltaFullName"),
                node.path("DeltaCount").asInt(0),
                instant(node, "StartTime"),
                instant(node, "FinishTime"),
                node.path("Hostname").asText(""),
                node.path("DataDir").asText(""),
                node.path("IsPermanent").asBoolean(false),
                node.path("FilesMetadataDisabled").asBoolean(false),
                node.path("Version").asInt(0),
                objects);
    }

    static BigInteger unsigned(long value)
    {
        return new BigInteger(Long.toUnsignedString(value));
    }

    static Optional<Long> unsignedLong(JsonNode node)
    {
        if (node == null || node.isNull() || !node.isNumber()) {
            return Optional.empty();
        }
        return Optional.of(node.bigIntegerValue().longValue());
    }

    private static Optional<String> text(JsonNode node, String name)
    {
        JsonNode value = node.get(name);
        return value == null || value.isNull() || value.asText().isEmpty() ? Optional.empty() : Optional.of(value.asText());
    }

    private static Instant instant(JsonNode node, String name)
    {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return Instant.EPOCH;
        }
        try {
            return java.time.OffsetDateTime.parse(value.asText()).toInstant();
        }
        catch (java.time.format.DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
