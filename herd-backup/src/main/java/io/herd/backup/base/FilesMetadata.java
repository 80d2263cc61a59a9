package io.herd.backup.base;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static java.util.Objects.requireNonNull;

/** files_metadata.json (WAL-G's FilesMetadataDto): every file of the backup and which tar holds it. */
public record FilesMetadata(Map<String, FileDescription> files, Map<String, List<String>> tarFileSets)
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public FilesMetadata
    {
        files = Map.copyOf(requireNonNull(files, "files is null"));
        tarFileSets = Map.copyOf(requireNonNull(tarFileSets, "tarFileSets is null"));
    }

    /** One file: IsSkipped means unchanged since the parent backup and not stored in this one. */
    public record FileDescription(boolean incremented, boolean skipped, Instant mtime)
    {
        public FileDescription
        {
            requireNonNull(mtime, "mtime is null");
        }
    }

    public byte[] toJson()
    {
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode root = json.objectNode();
        ObjectNode filesNode = root.putObject("Files");
        new TreeMap<>(files).forEach((path, description) -> {
            ObjectNode file = filesNode.putObject(path);
            file.put("IsIncremented", description.incremented());
            file.put("IsSkipped", description.skipped());
            file.put("MTime", description.mtime().toString());
            file.put("UpdatesCount", 0);
        });
        ObjectNode sets = root.putObject("TarFileSets");
        new TreeMap<>(tarFileSets).forEach((tar, paths) -> paths.forEach(sets.putArray(tar)::add));
        root.putObject("DatabasesByNames");
        try {
            return MAPPER.writeValueAsBytes(root);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static FilesMetadata fromJson(byte[] content)
            throws IOException
    {
        JsonNode root = MAPPER.readTree(content);
        Map<String, FileDescription> files = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("Files").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            JsonNode file = entry.getValue();
            Instant mtime;
            try {
                mtime = OffsetDateTime.parse(file.path("MTime").asText()).toInstant();
            }
            catch (RuntimeException e) {
                mtime = Instant.EPOCH;
            }
            files.put(entry.getKey(), new FileDescription(file.path("IsIncremented").asBoolean(false), file.path("IsSkipped").asBoolean(false), mtime));
        }
        Map<String, List<String>> sets = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("TarFileSets").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            List<String> paths = new java.util.ArrayList<>();
            entry.getValue().forEach(path -> paths.add(path.asText()));
            sets.put(entry.getKey(), paths);
        }
        return new FilesMetadata(files, sets);
    }
}
