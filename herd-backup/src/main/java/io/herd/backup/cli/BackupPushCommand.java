package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.base.BackupMode;
import io.herd.backup.base.BackupPusher;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

@Command(name = "backup-push", description = "Take a base backup of a running PostgreSQL (connects with PGHOST/PGPORT/PGUSER/PGPASSWORD)")
public final class BackupPushCommand
        extends BackupCommand
{
    @Parameters(index = "0", paramLabel = "PGDATA", description = "the server's data directory")
    Path pgData;

    @ArgGroup(exclusive = true)
    Mode mode;

    static final class Mode
    {
        @Option(names = {"-f", "--full"}, description = "full backup (the default)")
        boolean full;

        @Option(names = "--delta", description = "store only files changed since the latest backup")
        boolean delta;
    }

    public BackupPushCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        BackupMode backupMode = mode != null && mode.delta ? BackupMode.DELTA : BackupMode.FULL;
        Progress progress = progress("backup-push", Progress.Unit.BYTES);
        BackupPusher.Result result = service.backupPush(pgData, backupMode, service.settings().pg(), progress);
        progress.finish();
        out().printf("%s %s uncompressed=%d compressed=%d%n", result.name(), result.sentinel().isDelta() ? "delta" : "full",
                result.sentinel().uncompressedSize(), result.sentinel().compressedSize());
        progress.summarize();
        return ExitCodes.OK;
    }
}
