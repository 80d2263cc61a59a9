package io.herd.backup.storage;

import io.herd.backup.config.BackupSettings;

/** Builds the configured backend. */
public final class StorageFactory
{
    private StorageFactory() {}

    public static Storage create(BackupSettings settings)
    {
        if (settings.s3().isPresent()) {
            return new S3Storage(settings.s3().get());
        }
        return new FileStorage(settings.fileRoot().orElseThrow());
    }
}
