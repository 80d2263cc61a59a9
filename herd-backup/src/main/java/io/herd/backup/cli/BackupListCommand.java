package io.herd.backup.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.backup.BackupService;
import io.herd.backup.base.BackupInfo;
import io.herd.backup.base.BackupMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

@Command(name = "backup-list", description = "List backups, oldest first (WAL-G's columns)")
public final class BackupListCommand
        extends BackupCommand
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> DETAIL_COLUMNS = List.of("start_time", "finish_time", "hostname", "data_dir", "pg_version",
            "start_lsn", "finish_lsn", "is_permanent");

    @Option(names = "--detail", description = "add the metadata.json fields")
    boolean detail;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    public BackupListCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        List<BackupInfo> backups = service.listBackups();
        ArrayNode array = MAPPER.createArrayNode();
        for (BackupInfo backup : backups) {
            ObjectNode row = array.addObject();
            row.put("backup_name", backup.name().value());
            row.put("time", backup.modified().toString());
            row.put("wal_file_name", backup.walFileName());
            row.put("storage_name", "default");
            if (detail) {
                Optional<JsonNode> metadata = service.catalog().metadata(backup.name().value());
                JsonNode fields = metadata.isPresent() ? metadata.get() : BackupMetadata.toNode(service.catalog().sentinel(backup.name().value()));
                for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    row.set(field.getKey(), field.getValue());
                }
            }
        }
        if (json) {
            out().println(MAPPER.writeValueAsString(array));
            return ExitCodes.OK;
        }
        if (backups.isEmpty()) {
            err().println("herd backup-list: no backups in " + service.storage().location());
            return ExitCodes.OK;
        }
        StringBuilder header = new StringBuilder("backup_name\tmodified\twal_file_name\tstorage_name");
        if (detail) {
            DETAIL_COLUMNS.forEach(column -> header.append('\t').append(column));
        }
        out().println(header);
        for (JsonNode row : array) {
            StringBuilder line = new StringBuilder()
                    .append(row.get("backup_name").asText()).append('\t')
                    .append(row.get("time").asText()).append('\t')
                    .append(row.get("wal_file_name").asText()).append('\t')
                    .append(row.get("storage_name").asText());
            if (detail) {
                DETAIL_COLUMNS.forEach(column -> line.append('\t').append(row.path(column).asText("")));
            }
            out().println(line);
        }
        return ExitCodes.OK;
    }
}
