package io.herd.backup.base;

import static java.util.Objects.requireNonNull;

/** Size and SHA-256 of an uploaded (compressed) object, recorded in the sentinel and checked on fetch. */
public record ObjectChecksum(long size, String sha256)
{
    public ObjectChecksum
    {
        requireNonNull(sha256, "sha256 is null");
    }
}
