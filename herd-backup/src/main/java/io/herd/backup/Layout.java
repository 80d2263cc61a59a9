package io.herd.backup;

/** Fixed names of WAL-G's object layout (version 005). */
public final class Layout
{
    public static final String WAL_PATH = "wal_005/";
    public static final String BASEBACKUPS_PATH = "basebackups_005/";
    public static final String SENTINEL_SUFFIX = "_backup_stop_sentinel.json";
    public static final String TAR_PARTITIONS = "tar_partitions/";
    public static final String METADATA = "metadata.json";
    public static final String FILES_METADATA = "files_metadata.json";

    private Layout() {}

    public static String sentinelKey(String backupName)
    {
        return BASEBACKUPS_PATH + backupName + SENTINEL_SUFFIX;
    }

    public static String backupFolder(String backupName)
    {
        return BASEBACKUPS_PATH + backupName + "/";
    }
}
