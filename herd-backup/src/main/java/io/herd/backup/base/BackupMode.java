package io.herd.backup.base;

/** FULL copies every file; DELTA stores only files changed since the latest backup, named with WAL-G's _D_ suffix. */
public enum BackupMode
{
    FULL,
    DELTA
}
