package io.herd.backup.storage;

import java.io.Closeable;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Object storage under one root (WALG_S3_PREFIX or WALG_FILE_PREFIX). Keys are relative to the root and use '/'.
 * Implementations are thread safe. Failures are {@link StorageException}s with one-line messages.
 */
public interface Storage
        extends Closeable
{
    /** Writes a whole object at once; metadata is stored where the backend supports it. */
    void put(String key, byte[] data, Map<String, String> metadata)
            throws IOException;

    /** Opens a streaming upload; large objects go up in parts with bounded parallelism. */
    UploadStream create(String key)
            throws IOException;

    /** The object's body, or empty when it does not exist. */
    Optional<StoredBlob> get(String key)
            throws IOException;

    boolean exists(String key)
            throws IOException;

    /** All objects whose key starts with prefix, at any depth, sorted by key. */
    List<StoredObject> list(String prefix)
            throws IOException;

    void delete(Collection<String> keys)
            throws IOException;

    /** Where the root is, for messages: {@code s3://bucket/prefix} or a directory. */
    String location();

    @Override
    default void close() {}
}
