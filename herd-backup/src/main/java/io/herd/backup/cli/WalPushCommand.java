package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.wal.WalArchive;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

@Command(name = "wal-push", description = "Archive a WAL segment, .history, .backup or .partial file (archive_command \"herd wal-push %%p\")")
public final class WalPushCommand
        extends BackupCommand
{
    @Parameters(index = "0", paramLabel = "PATH", description = "the file PostgreSQL hands to archive_command (%%p)")
    Path path;

    public WalPushCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        WalArchive.PushResult result = service.walPush(path);
        if (result == WalArchive.PushResult.ALREADY_ARCHIVED) {
            err().println("herd wal-push: " + path.getFileName() + " is already archived with identical content");
        }
        return ExitCodes.OK;
    }
}
