package io.herd.backup;

import io.herd.backup.base.BackupSentinel;
import io.herd.backup.base.DeletePlan;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StoredObject;
import io.herd.backup.testing.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** delete retain/before on hand-made backups: which backups and which WAL go. */
class TestRetention
{
    @TempDir
    Path temp;

    private Map<String, String> env()
            throws Exception
    {
        return Map.of("WALG_FILE_PREFIX", Files.createDirectories(temp.resolve("archive")).toString(), "WALG_COMPRESSION_METHOD", "none");
    }

    private static void backup(Storage storage, String name, Instant start, Optional<String> deltaFrom, boolean permanent)
            throws Exception
    {
        BackupSentinel sentinel = new BackupSentinel(0x2000028L, 0x2000100L, 150004, Optional.of(7L), 10, 5, 10, deltaFrom,
                deltaFrom.map(from -> 1L), deltaFrom, deltaFrom.isPresent() ? 1 : 0, start, start.plusSeconds(10), "h", "/data", permanent, false, 2, Map.of());
        storage.put("basebackups_005/" + name + "/tar_partitions/part_001.tar", new byte[] {1}, Map.of());
        storage.put("basebackups_005/" + name + "/metadata.json", io.herd.backup.base.BackupMetadata.toJson(sentinel), Map.of());
        storage.put("basebackups_005/" + name + "_backup_stop_sentinel.json", sentinel.toJson(), Map.of());
    }

    private static void wal(Storage storage, String... names)
            throws Exception
    {
        for (String name : names) {
            storage.put("wal_005/" + name, new byte[] {1}, Map.of());
        }
    }

    private static List<String> keys(Storage storage, String prefix)
            throws Exception
    {
        return storage.list(prefix).stream().map(StoredObject::key).toList();
    }

    @Test
    void retainKeepsWalOfKeptBackupsAndHistory()
            throws Exception
    {
        Map<String, String> env = env();
        try (BackupService service = BackupService.fromEnv(env)) {
            Storage storage = service.storage();
            Instant now = Instant.parse("2025-03-01T00:00:00Z");
            // names sort the other way round than start times: ordering must follow StartTime
            backup(storage, "base_000000020000000000000006", now.minusSeconds(3600), Optional.empty(), false);
            backup(storage, "base_000000010000000000000002", now.minusSeconds(7200), Optional.empty(), false);
            wal(storage, "000000010000000000000001", "000000010000000000000002", "000000010000000000000002.00000028.backup",
                    "000000010000000000000003", "000000010000000000000005.partial", "00000002.history",
                    "000000020000000000000005", "000000020000000000000006", "000000020000000000000007");

            DeletePlan plan = service.planRetain(1);
            assertThat(plan.deleteBackups()).containsExactly("base_000000010000000000000002");
            assertThat(plan.keepBackups()).containsExactly("base_000000020000000000000006");

            Cli.Result dryRun = Cli.run(env, "delete", "retain", "1");
            assertThat(dryRun.out()).contains("would delete backup base_000000010000000000000002", "dry run");
            assertThat(keys(storage, "basebackups_005/")).hasSize(6);

            assertThat(Cli.run(env, "delete", "retain", "FULL", "1", "--confirm").exitCode()).isZero();
            assertThat(keys(storage, "basebackups_005/")).allMatch(key -> key.contains("base_000000020000000000000006"));
            assertThat(keys(storage, "wal_005/")).containsExactlyInAnyOrder(
                    "wal_005/00000002.history",
                    "wal_005/000000020000000000000006",
                    "wal_005/000000020000000000000007");
        }
    }

    @Test
    void keptDeltaKeepsItsChainAndPermanentBackupsStay()
            throws Exception
    {
        Map<String, String> env = env();
        try (BackupService service = BackupService.fromEnv(env)) {
            Storage storage = service.storage();
            Instant now = Instant.parse("2025-03-01T00:00:00Z");
            backup(storage, "base_000000010000000000000002", now.minusSeconds(9000), Optional.empty(), true);
            backup(storage, "base_000000010000000000000004", now.minusSeconds(7200), Optional.empty(), false);
            backup(storage, "base_000000010000000000000008_D_000000010000000000000004", now.minusSeconds(3600),
                    Optional.of("base_000000010000000000000004"), false);
            wal(storage, "000000010000000000000001", "000000010000000000000002", "000000010000000000000009");

            DeletePlan plan = service.planRetain(1);
            assertThat(plan.deleteBackups()).isEmpty();
            assertThat(plan.walObjectKeys()).containsExactly("wal_005/000000010000000000000001");

            DeletePlan before = service.planDeleteBefore("2025-03-01T00:00:00Z");
            assertThat(before.keepBackups()).contains("base_000000010000000000000008_D_000000010000000000000004", "base_000000010000000000000004");
            Cli.Result bad = Cli.run(env, "delete", "before", "yesterday");
            assertThat(bad.exitCode()).isEqualTo(1);
            assertThat(bad.err()).contains("'yesterday' is neither a backup name nor a time").hasLineCount(1);
        }
    }
}
