package io.herd.backup.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.backup.BackupService;
import io.herd.backup.wal.WalVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.List;
import java.util.Map;

@Command(name = "wal-verify", description = "Check the WAL archive for gaps from the oldest backup's start to the newest archived segment (exit 1 on gaps)")
public final class WalVerifyCommand
        extends BackupCommand
{
    @Parameters(paramLabel = "CHECK", arity = "0..*", description = "integrity (the only check; accepted for WAL-G compatibility)")
    List<String> checks;

    @Option(names = "--json", description = "JSON output")
    boolean json;

    public WalVerifyCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        if (checks != null) {
            for (String check : checks) {
                if (!check.equals("integrity")) {
                    throw new IllegalArgumentException("wal-verify check '" + check + "' is not supported: expected integrity");
                }
            }
        }
        WalVerifier.Report report = service.verifyWal();
        String status = report.ok() ? "OK" : "FAILURE";
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode node = mapper.createObjectNode();
            node.put("status", status);
            report.oldestBackup().ifPresent(value -> node.put("oldest_backup", value));
            report.from().ifPresent(value -> node.put("from", value));
            report.to().ifPresent(value -> node.put("to", value));
            node.put("segments_checked", report.segmentsChecked());
            report.gaps().forEach(gap -> node.withArray("gaps").addObject().put("first", gap.first()).put("last", gap.last()).put("count", gap.count()));
            out().println(mapper.writeValueAsString(node));
        }
        else if (report.oldestBackup().isEmpty()) {
            out().println("OK: no backups, nothing to check");
        }
        else {
            out().printf("%s: %d segments from %s to %s checked since backup %s%n", status, report.segmentsChecked(),
                    report.from().orElse("-"), report.to().orElse("-"), report.oldestBackup().get());
            report.gaps().forEach(gap -> out().printf("missing %s..%s (%d segments)%n", gap.first(), gap.last(), gap.count()));
        }
        return report.ok() ? ExitCodes.OK : ExitCodes.ERROR;
    }
}
