package io.herd.backup.wal;

import io.herd.backup.compress.Compression;
import io.herd.backup.storage.StoredObject;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** One object of wal_005/ with its file name (extension removed), kind and segment when the name has one. */
public record ArchivedWal(StoredObject object, String fileName, Compression compression, Optional<WalFileKind> kind, Optional<WalSegment> segment)
{
    public ArchivedWal
    {
        requireNonNull(object, "object is null");
        requireNonNull(fileName, "fileName is null");
        requireNonNull(compression, "compression is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(segment, "segment is null");
    }
}
