package io.herd.backup.base;

import io.herd.backup.Layout;
import io.herd.backup.compress.Compression;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StoredBlob;
import io.herd.backup.storage.StoredObject;
import io.herd.backup.wal.CorruptObjectException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * backup-fetch: unpacks a backup (and, for a delta, its chain from the full backup on) into an empty directory.
 * Data tars are unpacked in parallel; pg_control.tar and backup_label.tar last. Like WAL-G it writes no recovery
 * settings: see {@link io.herd.backup.recovery.RecoverySetup} for that.
 */
public final class BackupFetcher
{
    private static final Logger log = LoggerFactory.getLogger(BackupFetcher.class);

    private final Storage storage;
    private final BackupCatalog catalog;
    private final int downloadConcurrency;

    public BackupFetcher(Storage storage, BackupCatalog catalog, int downloadConcurrency)
    {
        this.storage = requireNonNull(storage, "storage is null");
        this.catalog = requireNonNull(catalog, "catalog is null");
        this.downloadConcurrency = downloadConcurrency;
    }

    public BackupName fetch(String nameOrLatest, Path destination)
            throws IOException
    {
        return fetch(nameOrLatest, destination, ProgressListener.NONE);
    }

    /** As above, reporting the bytes of data tars downloaded (compressed, as stored). */
    public BackupName fetch(String nameOrLatest, Path destination, ProgressListener progress)
            throws IOException
    {
        requireNonNull(progress, "progress is null");
        BackupInfo backup = catalog.resolve(nameOrLatest);
        Path target = destination.toAbsolutePath().normalize();
        checkEmpty(target);
        Files.createDirectories(target);
        try {
            Files.setPosixFilePermissions(target, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        List<String> chain = catalog.chain(backup.name().value());
        String last = chain.get(chain.size() - 1);
        BackupSentinel lastSentinel = null;
        List<List<Tar>> dataTars = new ArrayList<>();
        for (String name : chain) {
            BackupSentinel sentinel = catalog.sentinel(name);
            lastSentinel = sentinel;
            dataTars.add(tars(name, sentinel).stream().filter(tar -> !tar.isControl() && !tar.isLabel()).toList());
        }
        progress.start(dataTars.stream().flatMap(List::stream).mapToLong(Tar::size).sum());
        for (List<Tar> tars : dataTars) {
            unpackParallel(tars, target, progress);
        }
        Optional<FilesMetadata> files = catalog.filesMetadata(last);
        if (chain.size() > 1 && files.isPresent()) {
            removeFilesNotIn(files.get(), target);
        }
        List<Tar> lastTars = tars(last, lastSentinel);
        for (Tar tar : lastTars) {
            if (tar.isControl()) {
                unpack(tar, target, ProgressListener.NONE);
            }
        }
        for (Tar tar : lastTars) {
            if (tar.isLabel()) {
                unpack(tar, target, ProgressListener.NONE);
            }
        }
        for (String directory : List.of("pg_wal", "pg_wal/archive_status")) {
            Files.createDirectories(target.resolve(directory));
        }
        log.info("backup {} restored into {}", backup.name(), target);
        return backup.name();
    }

    private record Tar(String backup, String objectName, Optional<ObjectChecksum> checksum, long size)
    {
        boolean isControl()
        {
            return objectName.startsWith(Layout.TAR_PARTITIONS + "pg_control.tar");
        }

        boolean isLabel()
        {
            return objectName.startsWith(Layout.TAR_PARTITIONS + "backup_label.tar");
        }
    }

    /** The backup's tars: from the sentinel's checksums when herd wrote it (missing objects then fail), else by listing. */
    private List<Tar> tars(String name, BackupSentinel sentinel)
            throws IOException
    {
        String folder = Layout.backupFolder(name);
        Map<String, StoredObject> listed = new LinkedHashMap<>();
        for (StoredObject object : storage.list(folder + Layout.TAR_PARTITIONS)) {
            listed.put(object.key().substring(folder.length()), object);
        }
        List<Tar> tars = new ArrayList<>();
        if (!sentinel.herdObjects().isEmpty()) {
            for (Map.Entry<String, ObjectChecksum> entry : sentinel.herdObjects().entrySet()) {
                if (!entry.getKey().startsWith(Layout.TAR_PARTITIONS)) {
                    continue;
                }
                if (!listed.containsKey(entry.getKey())) {
                    throw new CorruptObjectException("backup " + name + " is incomplete: " + storage.location() + "/" + folder + entry.getKey() + " is missing");
                }
                tars.add(new Tar(name, entry.getKey(), Optional.of(entry.getValue()), listed.get(entry.getKey()).size()));
            }
        }
        else {
            log.warn("backup {} records no checksums (not written by herd); its tars are not verified", name);
            listed.forEach((objectName, object) -> tars.add(new Tar(name, objectName, Optional.empty(), object.size())));
        }
        tars.sort(Comparator.comparing(Tar::objectName));
        return tars;
    }

    private void unpackParallel(List<Tar> tars, Path target, ProgressListener progress)
            throws IOException
    {
        if (tars.isEmpty()) {
            return;
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(Math.max(1, Math.min(downloadConcurrency, tars.size())), runnable -> {
            Thread thread = new Thread(runnable, "herd-backup-fetch-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Tar tar : tars) {
                futures.add(executor.submit(() -> {
                    unpack(tar, target, progress);
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while restoring");
        }
        catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new BackupException("restore failed: " + e.getCause(), e.getCause());
        }
        finally {
            executor.shutdownNow();
        }
    }

    private void unpack(Tar tar, Path target, ProgressListener progress)
            throws IOException
    {
        String key = Layout.backupFolder(tar.backup()) + tar.objectName();
        String description = storage.location() + "/" + key;
        Optional<StoredBlob> blob = storage.get(key);
        if (blob.isEmpty()) {
            throw new CorruptObjectException("backup " + tar.backup() + " is incomplete: " + description + " is missing");
        }
        try (StoredBlob opened = blob.get()) {
            TarExtractor.extract(description, new CountingInput(opened.content(), progress), Compression.fromObjectName(tar.objectName()), tar.checksum(), target);
        }
    }

    private static void checkEmpty(Path target)
            throws IOException
    {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new BackupException("restore destination " + target + " is not a directory");
        }
        try (Stream<Path> children = Files.list(target)) {
            if (children.findAny().isPresent()) {
                throw new BackupException("restore destination " + target + " is not empty");
            }
        }
    }

    /** After applying a delta chain: files the newest backup does not list were dropped in between. */
    private static void removeFilesNotIn(FilesMetadata files, Path target)
            throws IOException
    {
        List<Path> remove = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(target)) {
            paths.filter(Files::isRegularFile).forEach(path -> {
                String tarPath = "/" + target.relativize(path).toString().replace('\\', '/');
                if (!files.files().containsKey(tarPath) && !tarPath.equals(DataDirectoryScanner.PG_CONTROL)) {
                    remove.add(path);
                }
            });
        }
        for (Path path : remove) {
            Files.deleteIfExists(path);
        }
    }

    /** Reports the bytes read from a downloaded object. */
    private static final class CountingInput
            extends java.io.FilterInputStream
    {
        private final ProgressListener progress;

        CountingInput(java.io.InputStream in, ProgressListener progress)
        {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read()
                throws IOException
        {
            int value = super.read();
            if (value >= 0) {
                progress.advance(1);
            }
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length)
                throws IOException
        {
            int read = in.read(buffer, offset, length);
            if (read > 0) {
                progress.advance(read);
            }
            return read;
        }

        @Override
        public long skip(long count)
                throws IOException
        {
            long skipped = in.skip(count);
            if (skipped > 0) {
                progress.advance(skipped);
            }
            return skipped;
        }
    }
}
