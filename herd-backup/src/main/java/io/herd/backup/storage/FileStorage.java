package io.herd.backup.storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * WALG_FILE_PREFIX backend: the same tree as on S3, one file per object. Writes go to a temporary file that is
 * synced and renamed into place (then the directory is synced), so readers never see a partial object and a written
 * object survives a machine crash. Metadata is kept in user extended attributes when
 * the file system has them.
 */
public final class FileStorage
        implements Storage
{
    private static final String TEMP_SUFFIX = ".herd-tmp";

    private final Path root;

    public FileStorage(Path root)
    {
        this.root = requireNonNull(root, "root is null").toAbsolutePath().normalize();
    }

    @Override
    public void put(String key, byte[] data, Map<String, String> metadata)
            throws IOException
    {
        Path target = resolve(key);
        Path temp = tempFor(target);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(data);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                writeMetadata(temp, metadata);
                channel.force(true);
            }
            moveIntoPlace(temp, target);
        }
        finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public UploadStream create(String key)
            throws IOException
    {
        Path target = resolve(key);
        Path temp = tempFor(target);
        FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        return new UploadStream()
        {
            private boolean done;

            @Override
            public void write(byte[] b, int off, int len)
                    throws IOException
            {
                out.write(b, off, len);
            }

            @Override
            public void close()
                    throws IOException
            {
                if (done) {
                    return;
                }
                done = true;
                try {
                    out.flush();
                    channel.force(true);
                    out.close();
                    moveIntoPlace(temp, target);
                }
                finally {
                    Files.deleteIfExists(temp);
                }
            }

            @Override
            public void abort()
            {
                done = true;
                try {
                    out.close();
                    Files.deleteIfExists(temp);
                }
                catch (IOException ignored) {
                    // best effort
                }
            }
        };
    }

    @Override
    public Optional<StoredBlob> get(String key)
            throws IOException
    {
        Path path = resolve(key);
        try {
            long size = Files.size(path);
            Map<String, String> metadata = readMetadata(path);
            return Optional.of(new StoredBlob(key, Files.newInputStream(path), size, metadata));
        }
        catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean exists(String key)
    {
        return Files.isRegularFile(resolve(key));
    }

    @Override
    public List<StoredObject> list(String prefix)
            throws IOException
    {
        if (!Files.isDirectory(root)) {
            throw new StorageException("storage directory " + root + " does not exist (WALG_FILE_PREFIX)");
        }
        String directoryPart = prefix.contains("/") ? prefix.substring(0, prefix.lastIndexOf('/')) : "";
        Path start = directoryPart.isEmpty() ? root : resolve(directoryPart);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<StoredObject> objects = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(start)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                String key = root.relativize(path).toString().replace('\\', '/');
                if (!key.startsWith(prefix) || key.endsWith(TEMP_SUFFIX)) {
                    continue;
                }
                try {
                    BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
                    if (attributes.isRegularFile()) {
                        objects.add(new StoredObject(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
                    }
                }
                catch (NoSuchFileException ignored) {
                    // deleted while listing
                }
            }
        }
        catch (UncheckedIOException e) {
            throw e.getCause();
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void delete(Collection<String> keys)
            throws IOException
    {
        for (String key : keys) {
            Path path = resolve(key);
            Files.deleteIfExists(path);
            removeEmptyParents(path.getParent());
        }
    }

    @Override
    public String location()
    {
        return root.toString();
    }

    private void removeEmptyParents(Path directory)
    {
        while (directory != null && directory.startsWith(root) && !directory.equals(root)) {
            try {
                Files.delete(directory);
            }
            catch (IOException e) {
                return;
            }
            directory = directory.getParent();
        }
    }

    private Path resolve(String key)
    {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root) || key.isEmpty()) {
            throw new IllegalArgumentException("invalid object key: " + key);
        }
        return path;
    }

    private static Path tempFor(Path target)
            throws IOException
    {
        Files.createDirectories(target.getParent());
        return target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX);
    }

    /**
     * Renames the synced temporary file into place and syncs the directory, so that an object reported as written
     * (a WAL segment PostgreSQL may then recycle) survives a crash of the machine.
     */
    private static void moveIntoPlace(Path temp, Path target)
            throws IOException
    {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        try (FileChannel directory = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    private static void writeMetadata(Path path, Map<String, String> metadata)
    {
        if (metadata.isEmpty()) {
            return;
        }
        UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
        if (view == null) {
            return;
        }
        try {
            for (Map.Entry<String, String> entry : metadata.entrySet()) {
                view.write(entry.getKey(), StandardCharsets.UTF_8.encode(entry.getValue()));
            }
        }
        catch (IOException | UnsupportedOperationException ignored) {
            // file system without user xattrs: the metadata is an extra check, not a requirement
        }
    }

    private static Map<String, String> readMetadata(Path path)
    {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
        if (view == null) {
            return Map.of();
        }
        Map<String, String> metadata = new HashMap<>();
        try {
            for (String name : view.list()) {
                ByteBuffer buffer = ByteBuffer.allocate(view.size(name));
                view.read(name, buffer);
                buffer.flip();
                metadata.put(name, StandardCharsets.UTF_8.decode(buffer).toString());
            }
        }
        catch (FileSystemException | UnsupportedOperationException ignored) {
            return Map.of();
        }
        catch (IOException ignored) {
            return Map.of();
        }
        return metadata;
    }
}
