package io.herd.backup.storage;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** One object of a listing; key is relative to the storage root (e.g. {@code wal_005/000000010000000000000001.lz4}). */
public record StoredObject(String key, long size, Instant lastModified)
{
    public StoredObject
    {
        requireNonNull(key, "key is null");
        requireNonNull(lastModified, "lastModified is null");
    }

    /** The last path element of the key. */
    public String fileName()
    {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
