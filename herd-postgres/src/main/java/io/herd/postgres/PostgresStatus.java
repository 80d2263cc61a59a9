package io.herd.postgres;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * One snapshot of a running PostgreSQL, read over SQL.
 *
 * @param timeline the current timeline: on a primary from its current WAL file name, on a replica the timeline
 *         its WAL receiver streams (else the last checkpoint's)
 * @param walPosition primary: {@code pg_current_wal_flush_lsn()}; replica: the larger of received and replayed
 * @param receiveLsn replica only: {@code pg_last_wal_receive_lsn()} (empty when nothing was streamed)
 * @param replayLsn replica only: {@code pg_last_wal_replay_lsn()}
 * @param replicationState replica only: {@code streaming} when the WAL receiver streams, else {@code in archive recovery}
 * @param replicas primary (or cascading replica): rows of pg_stat_replication
 * @param pendingRestart a changed setting waits for a restart (pg_settings.pending_restart)
 */
public record PostgresStatus(
        boolean inRecovery,
        int serverVersionNum,
        long systemIdentifier,
        Instant postmasterStartTime,
        int timeline,
        long walPosition,
        OptionalLong receiveLsn,
        OptionalLong replayLsn,
        Optional<Instant> lastReplayTimestamp,
        boolean replayPaused,
        Optional<String> replicationState,
        List<ReplicationConnection> replicas,
        boolean pendingRestart)
{
    public static final String STREAMING = "streaming";
    public static final String IN_ARCHIVE_RECOVERY = "in archive recovery";

    public PostgresStatus
    {
        requireNonNull(postmasterStartTime, "postmasterStartTime is null");
        requireNonNull(receiveLsn, "receiveLsn is null");
        requireNonNull(replayLsn, "replayLsn is null");
        requireNonNull(lastReplayTimestamp, "lastReplayTimestamp is null");
        requireNonNull(replicationState, "replicationState is null");
        replicas = List.copyOf(requireNonNull(replicas, "replicas is null"));
    }

    /** A row of pg_stat_replication. */
    public record ReplicationConnection(
            String usename,
            String applicationName,
            Optional<String> clientAddr,
            String state,
            String syncState,
            int syncPriority,
            OptionalLong flushLsn,
            OptionalLong replayLsn)
    {
        public ReplicationConnection
        {
            requireNonNull(usename, "usename is null");
            requireNonNull(applicationName, "applicationName is null");
            requireNonNull(clientAddr, "clientAddr is null");
            requireNonNull(state, "state is null");
            requireNonNull(syncState, "syncState is null");
            requireNonNull(flushLsn, "flushLsn is null");
            requireNonNull(replayLsn, "replayLsn is null");
        }
    }
}
