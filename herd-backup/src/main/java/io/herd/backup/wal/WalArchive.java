package io.herd.backup.wal;

import io.herd.backup.Layout;
import io.herd.backup.compress.Compression;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StoredBlob;
import io.herd.backup.storage.StoredObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * WAL archive in {@code wal_005/}: what archive_command (wal-push) and restore_command (wal-fetch) do. Each object is
 * the file compressed as a whole; its SHA-256 is stored as object metadata and checked on fetch, segments must
 * decompress to exactly the segment size. Thread safe; the agent and the daemon share one instance.
 */
public final class WalArchive
{
    private static final Logger log = LoggerFactory.getLogger(WalArchive.class);

    public enum PushResult { UPLOADED, ALREADY_ARCHIVED }

    public enum FetchResult { FETCHED, NOT_FOUND }

    private final Storage storage;
    private final Compression compression;
    private final boolean preventOverwrite;
    private final long segmentSize;
    private volatile Compression lastFound;

    public WalArchive(Storage storage, Compression compression, boolean preventOverwrite, long segmentSize)
    {
        this.storage = requireNonNull(storage, "storage is null");
        this.compression = requireNonNull(compression, "compression is null");
        this.preventOverwrite = preventOverwrite;
        this.segmentSize = segmentSize;
        this.lastFound = compression;
        if (!compression.canWrite()) {
            throw new IllegalArgumentException("cannot write " + compression);
        }
    }

    public long segmentSize()
    {
        return segmentSize;
    }

    /** Archives one file (segment, .partial, .backup or .history) given by its path. */
    public PushResult push(Path file)
            throws IOException
    {
        String name = file.getFileName().toString();
        Optional<WalFileKind> kind = WalFileKind.of(name);
        if (preventOverwrite || kind.equals(Optional.of(WalFileKind.TIMELINE_HISTORY))) {
            Optional<Fetched> existing = download(name);
            if (existing.isPresent()) {
                if (Arrays.equals(existing.get().content(), Files.readAllBytes(file))) {
                    log.info("{} is already archived with identical content", name);
                    return PushResult.ALREADY_ARCHIVED;
                }
                throw new WalOverwriteException(existing.get().key() + " is already archived with different content; refusing to overwrite it"
                        + (preventOverwrite ? " (WALG_PREVENT_WAL_OVERWRITE)" : " (history files are never overwritten)"));
            }
        }
        // streamed: only the compressed bytes are held (their SHA-256 goes into the object's metadata before the put)
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);
        try (InputStream in = Files.newInputStream(file); OutputStream out = compression.compress(buffer)) {
            in.transferTo(out);
        }
        byte[] compressed = buffer.toByteArray();
        storage.put(key(name, compression), compressed, Map.of(StoredBlob.SHA256_METADATA, Digests.sha256Hex(compressed)));
        return PushResult.UPLOADED;
    }

    /** Fetches name into dest (atomically: a failed fetch leaves no file); NOT_FOUND when no object has that name. */
    public FetchResult fetch(String name, Path dest)
            throws IOException
    {
        Optional<Fetched> fetched = download(name);
        if (fetched.isEmpty()) {
            return FetchResult.NOT_FOUND;
        }
        Path parent = dest.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path temp = Files.createTempFile(parent, "." + dest.getFileName(), ".herd-fetch");
        try {
            Files.write(temp, fetched.get().content());
            try {
                Files.move(temp, dest, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            }
            catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, dest, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        finally {
            Files.deleteIfExists(temp);
        }
        return FetchResult.FETCHED;
    }

    /** Whether some object holds this file name, under any extension. */
    public boolean contains(String name)
            throws IOException
    {
        for (String key : candidateKeys(name)) {
            if (storage.exists(key)) {
                return true;
            }
        }
        return false;
    }

    public List<ArchivedWal> list()
            throws IOException
    {
        List<ArchivedWal> result = new ArrayList<>();
        for (StoredObject object : storage.list(Layout.WAL_PATH)) {
            String objectName = object.key().substring(Layout.WAL_PATH.length());
            if (objectName.contains("/")) {
                continue;
            }
            Compression codec = Compression.fromObjectName(objectName);
            String fileName = codec.extension().isEmpty() ? stripTrailingDot(objectName) : objectName.substring(0, objectName.length() - codec.extension().length() - 1);
            Optional<WalFileKind> kind = WalFileKind.of(fileName);
            Optional<WalSegment> segment = kind.isPresent() && kind.get() != WalFileKind.TIMELINE_HISTORY ? WalSegment.parse(fileName, segmentSize) : Optional.empty();
            result.add(new ArchivedWal(object, fileName, codec, kind, segment));
        }
        return result;
    }

    private static String stripTrailingDot(String name)
    {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private Optional<Fetched> download(String name)
            throws IOException
    {
        for (String key : candidateKeys(name)) {
            Optional<StoredBlob> blob = storage.get(key);
            if (blob.isPresent()) {
                Compression codec = key.endsWith(".") || key.equals(Layout.WAL_PATH + name) ? Compression.NONE : Compression.fromObjectName(key);
                lastFound = codec;
                try (StoredBlob opened = blob.get()) {
                    return Optional.of(new Fetched(key, verifyAndDecompress(name, opened, codec)));
                }
            }
        }
        return Optional.empty();
    }

    private byte[] verifyAndDecompress(String name, StoredBlob blob, Compression codec)
            throws IOException
    {
        byte[] stored;
        try {
            stored = blob.content().readAllBytes();
        }
        catch (IOException e) {
            throw new CorruptObjectException("cannot read " + describe(blob.key()) + ": " + e.getMessage(), e);
        }
        if (blob.size() >= 0 && stored.length != blob.size()) {
            throw new CorruptObjectException(describe(blob.key()) + " is truncated: read " + stored.length + " of " + blob.size() + " bytes");
        }
        Optional<String> expected = blob.sha256();
        if (expected.isPresent() && !expected.get().equalsIgnoreCase(Digests.sha256Hex(stored))) {
            throw new CorruptObjectException(describe(blob.key()) + " is corrupt: its SHA-256 does not match the one recorded at upload");
        }
        byte[] content;
        try (InputStream in = codec.decompress(new java.io.ByteArrayInputStream(stored))) {
            content = in.readAllBytes();
        }
        catch (IOException | RuntimeException e) {
            if (e instanceof IOException io && io.getMessage() != null && io.getMessage().contains("cannot be read by herd")) {
                throw io;
            }
            throw new CorruptObjectException(describe(blob.key()) + " is corrupt: " + codec.method() + " decompression failed (" + e.getMessage() + ")", e);
        }
        Optional<WalFileKind> kind = WalFileKind.of(name);
        if ((kind.equals(Optional.of(WalFileKind.SEGMENT)) || kind.equals(Optional.of(WalFileKind.PARTIAL))) && content.length != segmentSize) {
            throw new CorruptObjectException(describe(blob.key()) + " is corrupt or truncated: it holds " + content.length
                    + " bytes, a WAL segment has " + segmentSize + " (WALG_PG_WAL_SIZE)");
        }
        return content;
    }

    private String describe(String key)
    {
        return storage.location() + "/" + key;
    }

    /** WAL-G's probe order with the last codec that worked first, then the bare name. */
    private List<String> candidateKeys(String name)
    {
        Set<String> keys = new LinkedHashSet<>();
        keys.add(probeKey(name, lastFound));
        for (Compression codec : Compression.FETCH_ORDER) {
            keys.add(probeKey(name, codec));
        }
        keys.add(Layout.WAL_PATH + name);
        return List.copyOf(keys);
    }

    private static String probeKey(String name, Compression codec)
    {
        return Layout.WAL_PATH + name + "." + codec.extension();
    }

    private static String key(String name, Compression codec)
    {
        return Layout.WAL_PATH + codec.addExtension(name);
    }

    private record Fetched(String key, byte[] content) {}
}
