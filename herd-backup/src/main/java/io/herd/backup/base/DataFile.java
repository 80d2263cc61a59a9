package io.herd.backup.base;

import java.nio.file.Path;
import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** One entry of the data directory as it goes into a tar: tarPath is relative to PGDATA with a leading '/'. */
public record DataFile(String tarPath, Path source, boolean directory, long size, Instant mtime)
{
    public DataFile
    {
        requireNonNull(tarPath, "tarPath is null");
        requireNonNull(source, "source is null");
        requireNonNull(mtime, "mtime is null");
    }
}
