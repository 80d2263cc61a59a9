package io.herd.backup.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;

/** metadata.json (WAL-G's ExtendedMetadataDto), derived from the sentinel. */
public final class BackupMetadata
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private BackupMetadata() {}

    public static ObjectNode toNode(BackupSentinel sentinel)
    {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("start_time", sentinel.startTime().toString());
        node.put("finish_time", sentinel.finishTime().toString());
        node.put("date_fmt", BackupSentinel.DATE_FMT);
        node.put("hostname", sentinel.hostname());
        node.put("data_dir", sentinel.dataDir());
        node.put("pg_version", sentinel.pgVersion());
        node.put("start_lsn", BackupSentinel.unsigned(sentinel.lsn()));
        node.put("finish_lsn", BackupSentinel.unsigned(sentinel.finishLsn()));
        node.put("is_permanent", sentinel.permanent());
        node.put("system_identifier", BackupSentinel.unsigned(sentinel.systemIdentifier().orElse(0L)));
        node.put("uncompressed_size", sentinel.uncompressedSize());
        node.put("compressed_size", sentinel.compressedSize());
        return node;
    }

    public static byte[] toJson(BackupSentinel sentinel)
    {
        try {
            return MAPPER.writeValueAsBytes(toNode(sentinel));
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode parse(byte[] content)
            throws IOException
    {
        return MAPPER.readTree(content);
    }
}
