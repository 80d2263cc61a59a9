package io.herd.agent.backup;

import io.herd.backup.BackupService;
import io.herd.backup.base.BackupInfo;
import io.herd.backup.base.BackupMode;
import io.herd.backup.daemon.WalDaemon;
import io.herd.backup.recovery.RecoveryOptions;
import io.herd.backup.wal.WalPrefetchUploader;
import io.herd.core.config.HerdConfig;
import io.herd.core.config.PostgresqlConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.util.Objects.requireNonNull;

/**
 * The agent's side of continuous backups: a WAL daemon that archive_command and restore_command reach without a JVM
 * start, base backups after bootstrap and on the schedule (only on the running primary, one at a time), retention,
 * and restores for new replicas and for bootstrapping from another cluster's archive.
 */
public final class ClusterBackups
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(ClusterBackups.class);

    private final BackupPlan plan;
    private final BackupService service;
    private final WalDaemon daemon;
    private final WalPrefetchUploader lookAhead;
    private final String clientPrefix;
    private final Path dataDir;
    private final CronSchedule schedule;
    private final Clock clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "herd-backup");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean running = new AtomicBoolean();
    private ZonedDateTime nextScheduled;
    private boolean firstCheckDone;

    private ClusterBackups(BackupPlan plan, BackupService service, WalDaemon daemon, WalPrefetchUploader lookAhead, Path dataDir, Clock clock)
    {
        this.lookAhead = lookAhead;
        this.plan = plan;
        this.service = service;
        this.daemon = daemon;
        this.clientPrefix = WalClientCommand.prefix(daemon.socket());
        this.dataDir = dataDir;
        this.schedule = CronSchedule.parse(plan.schedule());
        this.clock = clock;
        this.nextScheduled = schedule.next(ZonedDateTime.now(clock)).orElse(null);
    }

    public static ClusterBackups start(BackupPlan plan, HerdConfig config, Path socketDir, Clock clock)
    {
        requireNonNull(plan, "plan is null");
        Map<String, String> env = new LinkedHashMap<>(plan.walgEnvironment());
        env.putAll(connection(config.postgresql()));
        BackupService service;
        try {
            service = BackupService.fromEnv(env);
        }
        catch (io.herd.backup.config.InvalidSettingException e) {
            throw new io.herd.core.config.ConfigException("backup: " + e.getMessage());
        }
        Path socket = socketDir.resolve(".herd-wal." + config.postgresql().port());
        Path dataDir = config.postgresql().dataDir().toAbsolutePath();
        // archive_command hands over one segment at a time: upload the next ready ones meanwhile (WALG_UPLOAD_CONCURRENCY)
        WalPrefetchUploader lookAhead = new WalPrefetchUploader(service.walArchive(), dataDir.resolve("pg_wal"), service.settings().uploadConcurrency());
        WalDaemon daemon = new WalDaemon(service.walArchive(), Optional.of(lookAhead), Optional.of(dataDir), socket, 8);
        try {
            Files.createDirectories(socketDir);
            daemon.start();
        }
        catch (IOException e) {
            lookAhead.close();
            service.close();
            throw new IllegalStateException("cannot start the WAL daemon on " + socket + ": " + e.getMessage(), e);
        }
        log.info("WAL daemon for {} listening on {}", describe(plan.walgEnvironment()), socket);
        return new ClusterBackups(plan, service, daemon, lookAhead, dataDir, clock);
    }

    /** PGHOST/PGPORT/PGUSER/PGPASSWORD for backup-push: the local server as superuser over loopback. */
    static Map<String, String> connection(PostgresqlConfig pg)
    {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGHOST", pg.connectAddress().host());
        env.put("PGPORT", Integer.toString(pg.port()));
        env.put("PGUSER", pg.superuser().username());
        pg.superuser().password().ifPresent(p -> env.put("PGPASSWORD", p));
        env.put("PGDATABASE", "postgres");
        return env;
    }

    /** The settings PostgreSQL needs: archiving into this cluster's archive and fetching from it. */
    public Map<String, String> postgresParameters()
    {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (plan.archive()) {
            parameters.put("archive_mode", "on");
            parameters.put("archive_command", clientPrefix + " wal-push \"%p\"");
        }
        if (plan.restore()) {
            parameters.put("restore_command", clientPrefix + " wal-fetch \"%f\" \"%p\"");
        }
        return parameters;
    }

    /**
     * Called once per HA cycle. On the running primary: a first base backup when the archive has none, then one per
     * scheduled time. Never blocks the loop: the backup runs on its own thread.
     */
    public void onCycle(boolean runningPrimary)
    {
        if (!runningPrimary || !plan.archive()) {
            return;
        }
        ZonedDateTime now = ZonedDateTime.now(clock);
        if (!firstCheckDone) {
            firstCheckDone = true;
            if (listBackups().isEmpty()) {
                requestBackup("the archive has no base backup yet");
                return;
            }
        }
        if (nextScheduled != null && !now.isBefore(nextScheduled)) {
            nextScheduled = schedule.next(now).orElse(null);
            requestBackup("scheduled (" + plan.schedule() + ")");
        }
    }

    public boolean requestBackup(String reason)
    {
        if (!running.compareAndSet(false, true)) {
            return false;
        }
        worker.execute(() -> {
            try {
                log.info("base backup started: {}", reason);
                var result = service.backupPush(dataDir, BackupMode.FULL);
                log.info("base backup done: {}", result.name());
                var plan = service.planRetain(this.plan.retain());
                service.delete(plan);
            }
            catch (RuntimeException | IOException e) {
                log.error("base backup failed: {}", e.getMessage());
            }
            finally {
                running.set(false);
            }
        });
        return true;
    }

    public boolean backupRunning()
    {
        return running.get();
    }

    public List<BackupInfo> listBackups()
    {
        try {
            return service.listBackups();
        }
        catch (RuntimeException | IOException e) {
            log.warn("cannot list backups: {}", e.getMessage());
            return List.of();
        }
    }

    public boolean restoreEnabled()
    {
        return plan.restore();
    }

    /**
     * Fills the empty data directory of a new replica from the latest base backup; PostgreSQL then replays archived
     * WAL through restore_command and streams from the leader.
     */
    public boolean restoreReplica(Path target)
    {
        if (!plan.restore()) {
            return false;
        }
        try {
            wipe(target);
            var name = service.backupFetch("LATEST", target);
            log.info("replica data restored from base backup {}", name);
            return true;
        }
        catch (RuntimeException | IOException e) {
            log.warn("restoring a replica from backups failed: {}", e.getMessage());
            return false;
        }
    }

    public Optional<BackupPlan.CloneSource> cloneSource()
    {
        return plan.cloneFrom();
    }

    /**
     * Restores a new cluster from another cluster's archive into {@code target}, configured to recover up to the
     * clone target and promote. Returns the daemon serving the source archive to restore_command: keep it open until
     * PostgreSQL has finished recovery.
     */
    public static AutoCloseable restoreClone(BackupPlan.CloneSource source, Path target, Path socketDir, int port) throws IOException
    {
        BackupService service = BackupService.fromEnv(source.walgEnvironment());
        String backup;
        if (source.targetTime().isPresent()) {
            java.time.Instant time = java.time.OffsetDateTime.parse(source.targetTime().get().trim().replace(' ', 'T')).toInstant();
            backup = service.backupForTarget(time).map(info -> info.name().toString())
                    .orElseThrow(() -> new IllegalStateException("no base backup in " + describe(source.walgEnvironment()) + " finished before " + source.targetTime().get()));
        }
        else {
            backup = "LATEST";
        }
        wipe(target);
        var name = service.backupFetch(backup, target);
        Path socket = socketDir.resolve(".herd-clone." + port);
        WalDaemon daemon = new WalDaemon(service.walArchive(), Optional.empty(), socket, 4);
        daemon.start();
        String restoreCommand = WalClientCommand.prefix(socket) + " wal-fetch \"%f\" \"%p\"";
        RecoveryOptions options = source.targetTime()
                .map(t -> RecoveryOptions.toTime(restoreCommand, t, RecoveryOptions.TargetAction.PROMOTE))
                .orElse(RecoveryOptions.toEnd(restoreCommand));
        service.prepareRecovery(target, options);
        log.info("restored base backup {} from {} for point-in-time recovery{}", name, describe(source.walgEnvironment()),
                source.targetTime().map(t -> " to " + t).orElse(" to the end of the archive"));
        return () -> {
            daemon.close();
            service.close();
        };
    }

    /** recovery.signal again, after writing the primary's configuration removed it. */
    public static void markForRecovery(Path dataDir) throws IOException
    {
        Path signal = dataDir.resolve("recovery.signal");
        if (!Files.exists(signal)) {
            Files.createFile(signal);
        }
    }

    /**
     * Removes the point-in-time recovery settings from postgresql.auto.conf once the clone is promoted: left there,
     * a later restart as a replica would stop replaying at the old target and read from the other cluster's archive.
     */
    public static void clearRecoverySettings(Path dataDir) throws IOException
    {
        Path auto = dataDir.resolve("postgresql.auto.conf");
        if (!Files.exists(auto)) {
            return;
        }
        List<String> kept = Files.readAllLines(auto).stream()
                .filter(line -> {
                    String trimmed = line.trim();
                    return !trimmed.startsWith("# recovery settings written by herd")
                            && !trimmed.startsWith("restore_command")
                            && !trimmed.startsWith("recovery_target");
                })
                .toList();
        Files.write(auto, kept);
    }

    private static void wipe(Path directory) throws IOException
    {
        if (!Files.exists(directory)) {
            Files.createDirectories(directory);
            return;
        }
        try (var walk = Files.walk(directory)) {
            walk.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(directory)).forEach(p -> p.toFile().delete());
        }
    }

    private static String describe(Map<String, String> env)
    {
        return Optional.ofNullable(env.get("WALG_S3_PREFIX")).or(() -> Optional.ofNullable(env.get("WALE_S3_PREFIX")))
                .or(() -> Optional.ofNullable(env.get("WALG_FILE_PREFIX")).map(p -> "file://" + p)).orElse("(no archive)");
    }

    @Override
    public void close()
    {
        worker.shutdownNow();
        try {
            worker.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        daemon.close();
        lookAhead.close();
        service.close();
    }
}
