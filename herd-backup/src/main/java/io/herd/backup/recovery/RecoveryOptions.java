package io.herd.backup.recovery;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Recovery settings for a restored data directory. At most one of the targets may be set; no target means recover to
 * the end of the archive. standby=true writes standby.signal (a replica that keeps fetching WAL) instead of
 * recovery.signal.
 */
public record RecoveryOptions(
        String restoreCommand,
        Optional<String> targetTime,
        Optional<String> targetLsn,
        Optional<String> targetXid,
        Optional<String> targetName,
        boolean targetInclusive,
        Optional<String> targetTimeline,
        TargetAction action,
        boolean standby)
{
    public enum TargetAction
    {
        PAUSE, PROMOTE, SHUTDOWN;

        public String setting()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public RecoveryOptions
    {
        requireNonNull(restoreCommand, "restoreCommand is null");
        requireNonNull(targetTime, "targetTime is null");
        requireNonNull(targetLsn, "targetLsn is null");
        requireNonNull(targetXid, "targetXid is null");
        requireNonNull(targetName, "targetName is null");
        requireNonNull(targetTimeline, "targetTimeline is null");
        requireNonNull(action, "action is null");
        long targets = java.util.stream.Stream.of(targetTime, targetLsn, targetXid, targetName).filter(Optional::isPresent).count();
        if (targets > 1) {
            throw new IllegalArgumentException("at most one recovery target (time, LSN, xid or name) may be given");
        }
        if (restoreCommand.isBlank()) {
            throw new IllegalArgumentException("restore command is empty");
        }
    }

    /** Recover to the end of the archived WAL, then promote. */
    public static RecoveryOptions toEnd(String restoreCommand)
    {
        return new RecoveryOptions(restoreCommand, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), true,
                Optional.of("latest"), TargetAction.PROMOTE, false);
    }

    /** Point-in-time recovery up to (and including) the given time, then the given action. */
    public static RecoveryOptions toTime(String restoreCommand, String time, TargetAction action)
    {
        return new RecoveryOptions(restoreCommand, Optional.of(time), Optional.empty(), Optional.empty(), Optional.empty(), true,
                Optional.of("latest"), action, false);
    }

    public boolean hasTarget()
    {
        return targetTime.isPresent() || targetLsn.isPresent() || targetXid.isPresent() || targetName.isPresent();
    }
}
