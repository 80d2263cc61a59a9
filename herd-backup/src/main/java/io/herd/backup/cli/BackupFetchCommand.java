package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.base.BackupCatalog;
import io.herd.backup.base.BackupInfo;
import io.herd.backup.base.BackupName;
import io.herd.backup.base.BackupNotFoundException;
import io.herd.backup.recovery.RecoveryOptions;
import io.herd.backup.recovery.RecoverySetup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

@Command(name = "backup-fetch", description = "Restore a base backup into an empty directory. "
        + "Recovery settings are written only when asked for (--recovery, --standby or a --target-* option)")
public final class BackupFetchCommand
        extends BackupCommand
{
    @Parameters(index = "0", paramLabel = "DEST", description = "empty or missing target directory")
    Path destination;

    @Parameters(index = "1", paramLabel = "NAME|LATEST", description = "backup name, or LATEST (with --target-time: the newest backup finished before it)")
    String name;

    @Option(names = "--recovery", description = "write recovery.signal and restore_command (recover to the end of the archive)")
    boolean recovery;

    @Option(names = "--standby", description = "write standby.signal instead of recovery.signal")
    boolean standby;

    @Option(names = "--restore-command", description = "restore_command to write (default: herd wal-fetch \"%%f\" \"%%p\")")
    String restoreCommand;

    @Option(names = "--target-time", description = "recovery_target_time, with a time zone, e.g. 2025-03-01 01:00:00+00")
    String targetTime;

    @Option(names = "--target-lsn", description = "recovery_target_lsn")
    String targetLsn;

    @Option(names = "--target-xid", description = "recovery_target_xid")
    String targetXid;

    @Option(names = "--target-name", description = "recovery_target_name (a restore point)")
    String targetName;

    @Option(names = "--target-exclusive", description = "stop just before the target instead of just after it")
    boolean targetExclusive;

    @Option(names = "--target-timeline", description = "recovery_target_timeline (default latest)")
    String targetTimeline = "latest";

    @Option(names = "--target-action", description = "pause, promote or shutdown once the target is reached (default promote)")
    RecoveryOptions.TargetAction targetAction = RecoveryOptions.TargetAction.PROMOTE;

    public BackupFetchCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        String backup = name;
        if (name.equals(BackupCatalog.LATEST) && targetTime != null) {
            Instant target = parseTargetTime(targetTime);
            BackupInfo chosen = service.backupForTarget(target)
                    .orElseThrow(() -> new BackupNotFoundException("no backup finished before the target time " + targetTime));
            backup = chosen.name().value();
        }
        Progress progress = progress("backup-fetch", Progress.Unit.BYTES);
        BackupName restored = service.backupFetch(backup, destination, progress);
        progress.finish();
        boolean writeRecovery = recovery || standby || restoreCommand != null || targetTime != null || targetLsn != null || targetXid != null || targetName != null;
        if (writeRecovery) {
            RecoveryOptions options = new RecoveryOptions(
                    restoreCommand != null ? restoreCommand : RecoverySetup.walFetchCommand("herd"),
                    Optional.ofNullable(targetTime),
                    Optional.ofNullable(targetLsn),
                    Optional.ofNullable(targetXid),
                    Optional.ofNullable(targetName),
                    !targetExclusive,
                    Optional.ofNullable(targetTimeline),
                    targetAction,
                    standby);
            service.prepareRecovery(destination, options);
        }
        out().println(restored + " restored into " + destination.toAbsolutePath());
        progress.summarize();
        return ExitCodes.OK;
    }

    /** Accepts RFC 3339 and PostgreSQL's "YYYY-MM-DD HH:MM:SS+TZ" forms. */
    static Instant parseTargetTime(String value)
            throws IOException
    {
        String normalized = value.trim().replace(' ', 'T');
        if (normalized.matches(".*[+-]\\d\\d$")) {
            normalized = normalized + ":00";
        }
        try {
            return OffsetDateTime.parse(normalized).toInstant();
        }
        catch (DateTimeParseException e) {
            throw new IOException("--target-time '" + value + "' is invalid: expected a time with zone such as 2025-03-01 01:00:00+00");
        }
    }
}
