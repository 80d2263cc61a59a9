package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.daemon.WalDaemon;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

@Command(name = "daemon", description = "Serve wal-push/wal-fetch on a Unix socket with WAL-G's daemon framing (for walg-daemon-client)")
public final class DaemonCommand
        extends BackupCommand
{
    @Parameters(index = "0", paramLabel = "SOCKET", description = "path of the Unix socket to listen on")
    Path socket;

    public DaemonCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        try (WalDaemon daemon = new WalDaemon(service.walArchive(), service.settings().pgData(), socket, Math.max(4, service.settings().uploadConcurrency()))) {
            daemon.start();
            Thread hook = new Thread(daemon::close, "herd-wal-daemon-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            out().println("herd daemon listening on " + socket);
            out().flush();
            daemon.awaitClosed();
            return ExitCodes.OK;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitCodes.OK;
        }
    }
}
