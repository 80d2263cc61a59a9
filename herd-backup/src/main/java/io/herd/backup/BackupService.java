package io.herd.backup;

import io.herd.backup.base.BackupCatalog;
import io.herd.backup.base.BackupFetcher;
import io.herd.backup.base.BackupInfo;
import io.herd.backup.base.BackupMode;
import io.herd.backup.base.BackupName;
import io.herd.backup.base.BackupPusher;
import io.herd.backup.base.DeletePlan;
import io.herd.backup.base.ProgressListener;
import io.herd.backup.base.Retention;
import io.herd.backup.config.BackupSettings;
import io.herd.backup.config.PgConnectionSettings;
import io.herd.backup.recovery.RecoveryOptions;
import io.herd.backup.recovery.RecoverySetup;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StorageFactory;
import io.herd.backup.wal.WalArchive;
import io.herd.backup.wal.WalVerifier;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * In-process entry point for everything herd-backup does; the CLI commands and the agent both go through it.
 * One instance holds one storage client and can be shared by threads.
 */
public final class BackupService
        implements Closeable
{
    private final BackupSettings settings;
    private final Storage storage;
    private final WalArchive walArchive;
    private final BackupCatalog catalog;
    private final Clock clock;

    public BackupService(BackupSettings settings, Storage storage, Clock clock)
    {
        this.settings = requireNonNull(settings, "settings is null");
        this.storage = requireNonNull(storage, "storage is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.walArchive = new WalArchive(storage, settings.compression(), settings.preventWalOverwrite(), settings.walSegmentSize());
        this.catalog = new BackupCatalog(storage);
    }

    public static BackupService create(BackupSettings settings)
    {
        return new BackupService(settings, StorageFactory.create(settings), Clock.systemUTC());
    }

    /** Settings from an environment map (System.getenv() in production). */
    public static BackupService fromEnv(Map<String, String> environment)
    {
        return create(BackupSettings.fromEnv(environment));
    }

    public BackupSettings settings()
    {
        return settings;
    }

    public Storage storage()
    {
        return storage;
    }

    public WalArchive walArchive()
    {
        return walArchive;
    }

    public BackupCatalog catalog()
    {
        return catalog;
    }

    public WalArchive.PushResult walPush(Path file)
            throws IOException
    {
        return walArchive.push(file);
    }

    public WalArchive.FetchResult walFetch(String name, Path destination)
            throws IOException
    {
        return walArchive.fetch(name, destination);
    }

    public BackupPusher.Result backupPush(Path pgData, BackupMode mode)
            throws IOException
    {
        return backupPush(pgData, mode, settings.pg());
    }

    public BackupPusher.Result backupPush(Path pgData, BackupMode mode, PgConnectionSettings connection)
            throws IOException
    {
        return backupPush(pgData, mode, connection, ProgressListener.NONE);
    }

    /** As above, reporting the bytes of data files read to progress. */
    public BackupPusher.Result backupPush(Path pgData, BackupMode mode, PgConnectionSettings connection, ProgressListener progress)
            throws IOException
    {
        BackupPusher pusher = new BackupPusher(storage, catalog, walArchive, settings.compression(), settings.uploadConcurrency(),
                settings.tarSizeThreshold(), settings.archiveCheckTimeout(), clock);
        return pusher.push(pgData, connection, mode, progress);
    }

    /** Restores a backup (a name or LATEST) into an empty directory; no recovery settings are written. */
    public BackupName backupFetch(String nameOrLatest, Path destination)
            throws IOException
    {
        return backupFetch(nameOrLatest, destination, ProgressListener.NONE);
    }

    /** As above, reporting the bytes of tars downloaded to progress. */
    public BackupName backupFetch(String nameOrLatest, Path destination, ProgressListener progress)
            throws IOException
    {
        return new BackupFetcher(storage, catalog, settings.downloadConcurrency()).fetch(nameOrLatest, destination, progress);
    }

    /** The newest backup that finished before target, the one to restore for point-in-time recovery to target. */
    public Optional<BackupInfo> backupForTarget(Instant target)
            throws IOException
    {
        return catalog.latestFinishedBefore(target);
    }

    /** Writes restore_command, recovery targets and the signal file into a restored data directory. */
    public void prepareRecovery(Path dataDirectory, RecoveryOptions options)
            throws IOException
    {
        RecoverySetup.apply(dataDirectory, options);
    }

    public List<BackupInfo> listBackups()
            throws IOException
    {
        return catalog.list();
    }

    public DeletePlan planRetain(int count)
            throws IOException
    {
        return new Retention(storage, catalog, walArchive).retain(count);
    }

    public DeletePlan planDeleteBefore(String nameOrTime)
            throws IOException
    {
        return new Retention(storage, catalog, walArchive).before(nameOrTime);
    }

    public void delete(DeletePlan plan)
            throws IOException
    {
        delete(plan, ProgressListener.NONE);
    }

    /** As above, reporting the number of objects deleted to progress. */
    public void delete(DeletePlan plan, ProgressListener progress)
            throws IOException
    {
        new Retention(storage, catalog, walArchive).execute(plan, progress);
    }

    public WalVerifier.Report verifyWal()
            throws IOException
    {
        return new WalVerifier(walArchive, catalog).verify();
    }

    @Override
    public void close()
    {
        storage.close();
    }
}
