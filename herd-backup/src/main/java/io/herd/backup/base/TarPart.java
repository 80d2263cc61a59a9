package io.herd.backup.base;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** What one uploaded tar holds: its object name (relative to the backup folder), sizes and checksum. */
public record TarPart(String objectName, long uncompressedSize, ObjectChecksum checksum, List<String> paths)
{
    public TarPart
    {
        requireNonNull(objectName, "objectName is null");
        requireNonNull(checksum, "checksum is null");
        paths = List.copyOf(requireNonNull(paths, "paths is null"));
    }
}
