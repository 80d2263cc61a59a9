package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.wal.WalArchive;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

@Command(name = "wal-fetch", description = "Fetch an archived WAL file (restore_command \"herd wal-fetch %%f %%p\"). Exit 74 when it is not archived, 126 on errors")
public final class WalFetchCommand
        extends BackupCommand
{
    @Parameters(index = "0", paramLabel = "NAME", description = "WAL file name (%%f)")
    String name;

    @Parameters(index = "1", paramLabel = "DEST", description = "where to write it (%%p)")
    Path destination;

    public WalFetchCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        // not found is the normal end of the archive for PostgreSQL: exit quietly
        return service.walFetch(name, destination) == WalArchive.FetchResult.FETCHED ? ExitCodes.OK : ExitCodes.NOT_FOUND;
    }

    @Override
    protected int failureExitCode()
    {
        return ExitCodes.FETCH_FAILED;
    }
}
