package io.herd.backup;

import io.herd.backup.testing.S3ProxyServer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The two backends every round-trip test runs against. */
enum StorageKind
{
    FILE, S3;

    /** Environment for a fresh, empty storage root. */
    Map<String, String> environment(S3ProxyServer s3, Path temp, String name)
            throws Exception
    {
        if (this == FILE) {
            Path root = temp.resolve("file-storage-" + name);
            Files.createDirectories(root);
            Map<String, String> env = new HashMap<>();
            env.put("WALG_FILE_PREFIX", root.toString());
            return env;
        }
        String bucket = "bucket-" + name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]", "-");
        s3.createBucket(bucket);
        return s3.environment(bucket, "spilo/test/wal/15");
    }
}
