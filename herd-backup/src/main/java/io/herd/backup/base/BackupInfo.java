package io.herd.backup.base;

import java.time.Instant;

import static java.util.Objects.requireNonNull;

/** A listed backup: one sentinel object. modified is the sentinel's LastModified, which WAL-G shows as the backup time. */
public record BackupInfo(BackupName name, Instant modified)
{
    public BackupInfo
    {
        requireNonNull(name, "name is null");
        requireNonNull(modified, "modified is null");
    }

    public String walFileName()
    {
        return name.walFileName();
    }
}
