package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.daemon.WalDaemon;
import io.herd.backup.wal.WalPrefetchUploader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

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
        // look-ahead archiving needs PGDATA (to see pg_wal/archive_status); WALG_UPLOAD_CONCURRENCY bounds the uploads
        Optional<Path> pgData = service.settings().pgData();
        int concurrency = service.settings().uploadConcurrency();
        Optional<WalPrefetchUploader> lookAhead = pgData.map(data -> new WalPrefetchUploader(service.walArchive(), data.resolve("pg_wal"), concurrency));
        try (WalDaemon daemon = new WalDaemon(service.walArchive(), lookAhead, pgData, socket, Math.max(4, concurrency))) {
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
        finally {
            lookAhead.ifPresent(WalPrefetchUploader::close);
        }
    }
}
