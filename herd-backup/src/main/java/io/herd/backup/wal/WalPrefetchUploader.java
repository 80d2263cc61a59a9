package io.herd.backup.wal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * Look-ahead WAL archiving for the daemon (the idea behind WAL-G's WALG_UPLOAD_CONCURRENCY, taken further the way
 * pgBackRest's asynchronous archive-push does). PostgreSQL's archiver asks for one segment at a time; when it asks for
 * segment N, the next segments of the same timeline that already have a {@code .ready} file in
 * {@code pg_wal/archive_status} (at most lookAhead not yet asked for, in name order) are queued for upload on a pool of
 * concurrency workers. A later request for one of them waits for that upload and answers from its result; if the
 * upload failed, or the file changed since (size, modification time or inode differ), the request pushes it again
 * itself. Nothing in archive_status is touched: PostgreSQL marks a segment {@code .done} only after archive_command
 * succeeded. Every upload goes through {@link WalArchive#push}, so WALG_PREVENT_WAL_OVERWRITE and the
 * never-overwrite rule for history files apply unchanged. Memory stays bounded: at most concurrency uploads run at
 * once (plus a request's own), each streaming its file and holding only the compressed bytes; queued ones hold
 * nothing. Queueing deeper than the worker count matters because each archive_command call has a fixed cost (a
 * client start and a socket round trip): with only concurrency - 1 segments ahead, the workers sit idle during it.
 */
public final class WalPrefetchUploader
        implements Closeable
{
    private static final Logger log = LoggerFactory.getLogger(WalPrefetchUploader.class);
    private static final String READY = ".ready";

    private final WalArchive archive;
    private final Path pgWal;
    private final int lookAhead;
    private final ExecutorService workers;
    // look-ahead uploads not yet asked for by PostgreSQL, by file name; guarded by this
    private final Map<String, CompletableFuture<Uploaded>> pending = new HashMap<>();

    /** concurrency: uploads at once (WALG_UPLOAD_CONCURRENCY), looking ahead 4 × concurrency segments; 1 turns look-ahead off. */
    public WalPrefetchUploader(WalArchive archive, Path pgWal, int concurrency)
    {
        this(archive, pgWal, concurrency, concurrency == 1 ? 0 : 4 * concurrency);
    }

    /** lookAhead: segments queued or uploading ahead of PostgreSQL's requests; 0 turns look-ahead off. */
    public WalPrefetchUploader(WalArchive archive, Path pgWal, int concurrency, int lookAhead)
    {
        this.archive = requireNonNull(archive, "archive is null");
        this.pgWal = requireNonNull(pgWal, "pgWal is null").toAbsolutePath().normalize();
        if (concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be at least 1: " + concurrency);
        }
        if (lookAhead < 0) {
            throw new IllegalArgumentException("lookAhead must not be negative: " + lookAhead);
        }
        this.lookAhead = lookAhead;
        AtomicInteger threads = new AtomicInteger();
        // uploads run in name order (FIFO), so the segment PostgreSQL asks for next is always the first to start
        this.workers = Executors.newFixedThreadPool(concurrency, runnable -> {
            Thread thread = new Thread(runnable, "herd-wal-lookahead-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Archives file like {@link WalArchive#push}, answering from a finished look-ahead upload where there is one. */
    public WalArchive.PushResult push(Path file)
            throws IOException
    {
        String name = file.getFileName().toString();
        Path parent = file.toAbsolutePath().normalize().getParent();
        if (lookAhead == 0 || !WalFileKind.of(name).equals(Optional.of(WalFileKind.SEGMENT)) || !inPgWal(parent)) {
            return archive.push(file);
        }
        CompletableFuture<Uploaded> earlier = claimAndLookAhead(name);
        if (earlier != null) {
            Optional<WalArchive.PushResult> result = await(name, file, earlier);
            if (result.isPresent()) {
                return result.get();
            }
        }
        return archive.push(file);
    }

    private boolean inPgWal(Path directory)
    {
        try {
            return pgWal.equals(directory) || (directory != null && Files.isSameFile(pgWal, directory));
        }
        catch (IOException e) {
            return false;
        }
    }

    /** Takes name's look-ahead upload (if any), forgets older ones and starts uploads of the next .ready segments. */
    private synchronized CompletableFuture<Uploaded> claimAndLookAhead(String name)
    {
        CompletableFuture<Uploaded> earlier = pending.remove(name);
        // PostgreSQL archives in order, so uploads of names before this one will never be asked for
        pending.keySet().removeIf(other -> other.compareTo(name) < 0);
        for (String next : readyAfter(name)) {
            if (pending.size() >= lookAhead) {
                break;
            }
            if (!pending.containsKey(next)) {
                Path file = pgWal.resolve(next);
                pending.put(next, CompletableFuture.supplyAsync(() -> upload(file), workers));
            }
        }
        return earlier;
    }

    /** Segments after name, same timeline, with a .ready file, in name order (at most lookAhead of them). */
    private List<String> readyAfter(String name)
    {
        String timeline = name.substring(0, 8);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> status = Files.newDirectoryStream(pgWal.resolve("archive_status"), "*" + READY)) {
            for (Path ready : status) {
                String file = ready.getFileName().toString();
                String segment = file.substring(0, file.length() - READY.length());
                if (segment.startsWith(timeline) && segment.compareTo(name) > 0
                        && WalFileKind.of(segment).equals(Optional.of(WalFileKind.SEGMENT))) {
                    names.add(segment);
                }
            }
        }
        catch (NoSuchFileException e) {
            return List.of();
        }
        catch (IOException | RuntimeException e) {
            log.warn("cannot list {}: {}; no look-ahead archiving for now", pgWal.resolve("archive_status"), e.getMessage());
            return List.of();
        }
        Collections.sort(names);
        return names.subList(0, Math.min(lookAhead, names.size()));
    }

    private Uploaded upload(Path file)
    {
        try {
            FileState before = FileState.of(file);
            WalArchive.PushResult result = archive.push(file);
            FileState after = FileState.of(file);
            if (!after.equals(before)) {
                throw new IOException(file + " changed while it was uploaded");
            }
            return new Uploaded(result, after);
        }
        catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Optional<WalArchive.PushResult> await(String name, Path file, CompletableFuture<Uploaded> upload)
            throws IOException
    {
        Uploaded uploaded;
        try {
            uploaded = upload.get();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the look-ahead upload of " + name);
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.io.UncheckedIOException unchecked ? unchecked.getCause() : e.getCause();
            log.info("look-ahead upload of {} failed ({}); pushing it again", name, cause == null ? e.getMessage() : cause.getMessage());
            return Optional.empty();
        }
        if (!FileState.of(file).equals(uploaded.state())) {
            log.info("{} changed since its look-ahead upload; pushing it again", name);
            return Optional.empty();
        }
        return Optional.of(uploaded.result());
    }

    @Override
    public void close()
    {
        workers.shutdownNow();
        try {
            workers.awaitTermination(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Uploaded(WalArchive.PushResult result, FileState state) {}

    private record FileState(long size, FileTime modified, Object fileKey)
    {
        static FileState of(Path file)
                throws IOException
        {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileState(attributes.size(), attributes.lastModifiedTime(), attributes.fileKey());
        }
    }
}
