package io.herd.backup.daemon;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Minimal client for archive_command/restore_command, using only the JDK so it starts fast:
 * {@code java -cp herd-backup.jar io.herd.backup.daemon.DaemonClientMain SOCKET wal-push %p} or {@code ... wal-fetch %f %p}.
 * Relative paths are made absolute against the working directory (PostgreSQL runs both commands in PGDATA).
 * Exit codes as walg-daemon-client: 0 ok, 74 not found, 1 any other failure.
 */
public final class DaemonClientMain
{
    private DaemonClientMain() {}

    public static void main(String[] args)
    {
        System.exit(run(args));
    }

    static int run(String[] args)
    {
        if (args.length < 3) {
            System.err.println("usage: DaemonClientMain SOCKET wal-push PATH | wal-fetch NAME DEST");
            return 1;
        }
        DaemonClient client = new DaemonClient(Path.of(args[0]));
        try {
            byte reply;
            if (args[1].equals("wal-push") && args.length == 3) {
                reply = client.walPush(Path.of(args[2]).toAbsolutePath().toString());
            }
            else if (args[1].equals("wal-fetch") && args.length == 4) {
                reply = client.walFetch(args[2], Path.of(args[3]).toAbsolutePath().toString());
            }
            else {
                System.err.println("usage: DaemonClientMain SOCKET wal-push PATH | wal-fetch NAME DEST");
                return 1;
            }
            if (reply == DaemonProtocol.OK) {
                return 0;
            }
            if (reply == DaemonProtocol.NOT_FOUND) {
                return 74;
            }
            System.err.println("herd daemon: " + args[1] + " " + args[2] + " failed (see the daemon's log)");
            return 1;
        }
        catch (IOException e) {
            System.err.println("herd daemon client: cannot reach " + args[0] + ": " + e.getMessage());
            return 1;
        }
    }
}
