package io.herd.backup.storage;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** An open object body with its user metadata. */
public record StoredBlob(String key, InputStream content, long size, Map<String, String> metadata)
        implements Closeable
{
    public static final String SHA256_METADATA = "herd-sha256";

    public StoredBlob
    {
        requireNonNull(key, "key is null");
        requireNonNull(content, "content is null");
        metadata = Map.copyOf(requireNonNull(metadata, "metadata is null"));
    }

    public Optional<String> sha256()
    {
        return Optional.ofNullable(metadata.get(SHA256_METADATA));
    }

    @Override
    public void close()
            throws IOException
    {
        content.close();
    }
}
