package io.herd.backup.recovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Prepares a restored data directory for archive recovery or point-in-time recovery (PostgreSQL 12+): appends
 * restore_command and the recovery_target_* settings to postgresql.auto.conf (later lines win) and creates
 * recovery.signal or standby.signal. backup-fetch itself stays WAL-G-like and never does this.
 */
public final class RecoverySetup
{
    static final String MARKER = "# recovery settings written by herd";

    private RecoverySetup() {}

    /** A restore_command line that runs herd's wal-fetch (exit 74 when a file is not archived). */
    public static String walFetchCommand(String herdExecutable)
    {
        return herdExecutable + " wal-fetch \"%f\" \"%p\"";
    }

    public static void apply(Path dataDirectory, RecoveryOptions options)
            throws IOException
    {
        if (!Files.isRegularFile(dataDirectory.resolve("PG_VERSION"))) {
            throw new IOException(dataDirectory + " is not a PostgreSQL data directory (no PG_VERSION)");
        }
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add(MARKER);
        lines.add(setting("restore_command", options.restoreCommand()));
        options.targetTime().ifPresent(value -> lines.add(setting("recovery_target_time", value)));
        options.targetLsn().ifPresent(value -> lines.add(setting("recovery_target_lsn", value)));
        options.targetXid().ifPresent(value -> lines.add(setting("recovery_target_xid", value)));
        options.targetName().ifPresent(value -> lines.add(setting("recovery_target_name", value)));
        if (options.hasTarget()) {
            lines.add(setting("recovery_target_inclusive", options.targetInclusive() ? "on" : "off"));
            lines.add(setting("recovery_target_action", options.action().setting()));
        }
        options.targetTimeline().ifPresent(value -> lines.add(setting("recovery_target_timeline", value)));
        Files.write(dataDirectory.resolve("postgresql.auto.conf"), lines, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        Files.deleteIfExists(dataDirectory.resolve(options.standby() ? "recovery.signal" : "standby.signal"));
        Path signal = dataDirectory.resolve(options.standby() ? "standby.signal" : "recovery.signal");
        if (!Files.exists(signal)) {
            Files.createFile(signal);
        }
    }

    static String setting(String name, String value)
    {
        return name + " = '" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
