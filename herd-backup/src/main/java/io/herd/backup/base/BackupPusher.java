package io.herd.backup.base;

import io.herd.backup.Layout;
import io.herd.backup.compress.Compression;
import io.herd.backup.config.PgConnectionSettings;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StoredObject;
import io.herd.backup.wal.WalArchive;
import io.herd.backup.wal.WalSegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * backup-push: pg_backup_start, data tars uploaded in parallel, pg_control.tar, pg_backup_stop, backup_label.tar, a
 * check that every WAL segment from start to stop LSN is archived, then metadata.json, files_metadata.json and the
 * sentinel last. Without a sentinel nothing of the backup is listed or fetched; a failed push removes what it uploaded.
 */
public final class BackupPusher
{
    private static final Logger log = LoggerFactory.getLogger(BackupPusher.class);
    /** A file counts as unchanged for a delta only if its mtime is this much older than the parent's start. */
    private static final Duration DELTA_MTIME_MARGIN = Duration.ofSeconds(2);

    private final Storage storage;
    private final BackupCatalog catalog;
    private final WalArchive walArchive;
    private final Compression compression;
    private final int uploadConcurrency;
    private final long tarSizeThreshold;
    private final Duration archiveCheckTimeout;
    private final Clock clock;

    public BackupPusher(Storage storage, BackupCatalog catalog, WalArchive walArchive, Compression compression, int uploadConcurrency,
            long tarSizeThreshold, Duration archiveCheckTimeout, Clock clock)
    {
        this.storage = requireNonNull(storage, "storage is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.walArchive = requireNonNull(walArchive, "walArchive is null");
        this.compression = requireNonNull(compression, "compression is null");
        this.uploadConcurrency = uploadConcurrency;
        this.tarSizeThreshold = tarSizeThreshold;
        this.archiveCheckTimeout = requireNonNull(archiveCheckTimeout, "archiveCheckTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public record Result(BackupName name, BackupSentinel sentinel) {}

    private record Parent(BackupName name, BackupSentinel sentinel, FilesMetadata files) {}

    public Result push(Path pgData, PgConnectionSettings connection, BackupMode mode)
            throws IOException
    {
        return push(pgData, connection, mode, ProgressListener.NONE);
    }

    /** As above, reporting the bytes of data files read (the total is known once PGDATA is scanned). */
    public Result push(Path pgData, PgConnectionSettings connection, BackupMode mode, ProgressListener progress)
            throws IOException
    {
        requireNonNull(progress, "progress is null");
        requireNonNull(pgData, "pgData is null");
        if (!Files.isRegularFile(pgData.resolve("global/pg_control"))) {
            throw new BackupException(pgData + " is not a PostgreSQL data directory (no global/pg_control)");
        }
        Instant startTime = clock.instant();
        Optional<Parent> parent = mode == BackupMode.DELTA ? findParent() : Optional.empty();
        try (PgBackupSession session = PgBackupSession.connect(connection)) {
            PgBackupSession.ServerInfo server = session.server();
            if (server.walSegmentSize() != walArchive.segmentSize()) {
                throw new BackupException("server wal_segment_size is " + server.walSegmentSize() + " bytes but WALG_PG_WAL_SIZE gives "
                        + walArchive.segmentSize() + ": set WALG_PG_WAL_SIZE=" + (server.walSegmentSize() >> 20));
            }
            PgBackupSession.StartPoint start = session.start("herd backup " + startTime);
            if (parent.isPresent()) {
                checkParent(parent.get(), server, start);
            }
            BackupName name = parent.map(p -> BackupName.delta(start.walFileName(), p.name())).orElseGet(() -> BackupName.full(start.walFileName()));
            log.info("backup {} started at LSN {}", name, WalSegment.formatLsn(start.lsn()));
            try {
                return upload(pgData, session, server, start, name, parent, startTime, progress);
            }
            catch (IOException | RuntimeException e) {
                removeUploaded(name);
                throw e;
            }
        }
    }

    private Result upload(Path pgData, PgBackupSession session, PgBackupSession.ServerInfo server, PgBackupSession.StartPoint start,
            BackupName name, Optional<Parent> parent, Instant startTime, ProgressListener progress)
            throws IOException
    {
        String folder = Layout.backupFolder(name.value());
        List<DataFile> entries = DataDirectoryScanner.scan(pgData);
        Map<String, FilesMetadata.FileDescription> files = new LinkedHashMap<>();
        List<DataFile> toStore = new ArrayList<>();
        long dataCatalogSize = 0;
        for (DataFile entry : entries) {
            if (entry.directory()) {
                toStore.add(entry);
                continue;
            }
            dataCatalogSize += entry.size();
            boolean skipped = parent.isPresent() && unchangedSince(parent.get(), entry);
            files.put(entry.tarPath(), new FilesMetadata.FileDescription(false, skipped, entry.mtime()));
            if (!skipped) {
                toStore.add(entry);
            }
        }
        List<List<DataFile>> partitions = partition(toStore);
        progress.start(toStore.stream().filter(entry -> !entry.directory()).mapToLong(DataFile::size).sum());
        List<TarPart> parts = uploadPartitions(folder, partitions, progress);

        // pg_control goes up after all data, so an interrupted restore never yields a startable cluster
        Path pgControl = pgData.resolve("global/pg_control");
        DataFile control = new DataFile(DataDirectoryScanner.PG_CONTROL, pgControl, false, Files.size(pgControl), Files.getLastModifiedTime(pgControl).toInstant());
        files.put(control.tarPath(), new FilesMetadata.FileDescription(false, false, control.mtime()));
        String controlName = Layout.TAR_PARTITIONS + compression.addExtension("pg_control.tar");
        parts.add(TarPartWriter.write(controlName, List.of(control), Map.of(), compression, storage.create(folder + controlName)));

        PgBackupSession.StopPoint stop = session.stop();
        if (stop.labelStartWalFile().isPresent() && !stop.labelStartWalFile().get().equals(start.walFileName())) {
            throw new BackupException("backup_label names start WAL file " + stop.labelStartWalFile().get() + " but the backup was named for "
                    + start.walFileName() + " (timeline changed during the backup?)");
        }
        Map<String, byte[]> labelFiles = new LinkedHashMap<>();
        labelFiles.put("backup_label", stop.labelFile().getBytes(StandardCharsets.UTF_8));
        labelFiles.put("tablespace_map", stop.tablespaceMap().getBytes(StandardCharsets.UTF_8));
        String labelName = Layout.TAR_PARTITIONS + compression.addExtension("backup_label.tar");
        parts.add(TarPartWriter.write(labelName, List.of(), labelFiles, compression, storage.create(folder + labelName)));

        awaitArchived(start, stop);

        Map<String, ObjectChecksum> checksums = new HashMap<>();
        Map<String, List<String>> tarFileSets = new LinkedHashMap<>();
        long uncompressed = 0;
        long compressed = 0;
        for (TarPart part : parts) {
            checksums.put(part.objectName(), part.checksum());
            tarFileSets.put(part.objectName().substring(Layout.TAR_PARTITIONS.length()), part.paths());
            uncompressed += part.uncompressedSize();
            compressed += part.checksum().size();
        }
        BackupSentinel sentinel = new BackupSentinel(
                start.lsn(),
                stop.lsn(),
                server.versionNum(),
                server.systemIdentifier(),
                uncompressed,
                compressed,
                dataCatalogSize,
                parent.map(p -> p.name().value()),
                parent.map(p -> p.sentinel().lsn()),
                parent.map(p -> p.sentinel().deltaFullName().orElse(p.name().value())),
                parent.map(p -> p.sentinel().deltaCount() + 1).orElse(0),
                startTime,
                clock.instant(),
                hostname(),
                server.dataDirectory(),
                false,
                false,
                2,
                checksums);
        storage.put(folder + Layout.METADATA, BackupMetadata.toJson(sentinel), Map.of());
        storage.put(folder + Layout.FILES_METADATA, new FilesMetadata(files, tarFileSets).toJson(), Map.of());
        storage.put(Layout.sentinelKey(name.value()), sentinel.toJson(), Map.of());
        log.info("backup {} complete: {} tars, {} bytes before compression, {} uploaded", name, parts.size(), uncompressed, compressed);
        return new Result(name, sentinel);
    }

    private Optional<Parent> findParent()
            throws IOException
    {
        List<BackupInfo> backups = catalog.list();
        if (backups.isEmpty()) {
            log.info("no backup to take a delta from; taking a full backup");
            return Optional.empty();
        }
        BackupName name = backups.get(backups.size() - 1).name();
        BackupSentinel sentinel = catalog.sentinel(name.value());
        FilesMetadata files = catalog.filesMetadata(name.value())
                .orElseThrow(() -> new BackupException("backup " + name + " has no files_metadata.json, so a delta cannot be taken from it; take a full backup"));
        return Optional.of(new Parent(name, sentinel, files));
    }

    private static void checkParent(Parent parent, PgBackupSession.ServerInfo server, PgBackupSession.StartPoint start)
            throws BackupException
    {
        if (parent.sentinel().systemIdentifier().isPresent() && server.systemIdentifier().isPresent()
                && !parent.sentinel().systemIdentifier().equals(server.systemIdentifier())) {
            throw new BackupException("latest backup " + parent.name() + " is of another cluster (system identifier "
                    + Long.toUnsignedString(parent.sentinel().systemIdentifier().get()) + "); take a full backup");
        }
        if (Long.compareUnsigned(parent.sentinel().finishLsn(), start.lsn()) > 0) {
            throw new BackupException("latest backup " + parent.name() + " finished at LSN " + WalSegment.formatLsn(parent.sentinel().finishLsn())
                    + ", after this backup's start " + WalSegment.formatLsn(start.lsn()) + "; take a full backup");
        }
    }

    private static boolean unchangedSince(Parent parent, DataFile entry)
    {
        FilesMetadata.FileDescription previous = parent.files().files().get(entry.tarPath());
        return previous != null
                && previous.mtime().equals(entry.mtime())
                && entry.mtime().isBefore(parent.sentinel().startTime().minus(DELTA_MTIME_MARGIN));
    }

    private List<List<DataFile>> partition(List<DataFile> entries)
    {
        List<List<DataFile>> partitions = new ArrayList<>();
        List<DataFile> current = new ArrayList<>();
        long size = 0;
        for (DataFile entry : entries) {
            if (!current.isEmpty() && size + entry.size() > tarSizeThreshold) {
                partitions.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(entry);
            size += entry.size();
        }
        if (!current.isEmpty() || partitions.isEmpty()) {
            partitions.add(current);
        }
        return partitions;
    }

    private List<TarPart> uploadPartitions(String folder, List<List<DataFile>> partitions, ProgressListener progress)
            throws IOException
    {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(Math.max(1, Math.min(uploadConcurrency, partitions.size())), runnable -> {
            Thread thread = new Thread(runnable, "herd-backup-tar-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<TarPart>> futures = new ArrayList<>();
            for (int i = 0; i < partitions.size(); i++) {
                String objectName = Layout.TAR_PARTITIONS + compression.addExtension(String.format("part_%03d.tar", i + 1));
                List<DataFile> partition = partitions.get(i);
                futures.add(executor.submit(() -> TarPartWriter.write(objectName, partition, Map.of(), compression, storage.create(folder + objectName), progress)));
            }
            List<TarPart> parts = new ArrayList<>();
            for (Future<TarPart> future : futures) {
                parts.add(future.get());
            }
            return parts;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while uploading tars");
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new BackupException("tar upload failed: " + e.getCause(), e.getCause());
        }
        finally {
            executor.shutdownNow();
        }
    }

    /** Every segment from the one holding the start LSN to the one holding the last byte before the stop LSN. */
    private void awaitArchived(PgBackupSession.StartPoint start, PgBackupSession.StopPoint stop)
            throws IOException
    {
        long segmentSize = walArchive.segmentSize();
        WalSegment first = WalSegment.ofLsn(start.timeline(), start.lsn(), segmentSize);
        WalSegment last = WalSegment.ofLsn(start.timeline(), Math.max(start.lsn(), stop.lsn() - 1), segmentSize);
        Instant deadline = clock.instant().plus(archiveCheckTimeout);
        for (WalSegment segment = first; segment.compareTo(last) <= 0; segment = segment.next()) {
            while (!walArchive.contains(segment.name())) {
                if (clock.instant().isAfter(deadline)) {
                    throw new BackupException("WAL segment " + segment.name() + " (needed from LSN " + WalSegment.formatLsn(start.lsn()) + " to "
                            + WalSegment.formatLsn(stop.lsn()) + ") was not archived within " + archiveCheckTimeout.toSeconds()
                            + "s; check archive_mode and archive_command (HERD_ARCHIVE_CHECK_TIMEOUT). The backup was not finalized");
                }
                try {
                    Thread.sleep(250);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for WAL archiving");
                }
            }
        }
    }

    private void removeUploaded(BackupName name)
    {
        try {
            List<String> keys = storage.list(Layout.backupFolder(name.value())).stream().map(StoredObject::key).toList();
            storage.delete(keys);
        }
        catch (IOException | RuntimeException e) {
            log.warn("could not remove the objects of failed backup {}: {}", name, e.getMessage());
        }
    }

    private static String hostname()
    {
        String fromEnv = System.getenv("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (IOException e) {
            return "localhost";
        }
    }
}
