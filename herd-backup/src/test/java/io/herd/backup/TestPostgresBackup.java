package io.herd.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herd.backup.base.BackupSentinel;
import io.herd.backup.daemon.DaemonClientMain;
import io.herd.backup.daemon.WalDaemon;
import io.herd.backup.storage.StoredObject;
import io.herd.backup.testing.Cli;
import io.herd.backup.testing.S3ProxyServer;
import io.herd.backup.testing.TestingPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** backup-push / backup-fetch / PITR against a real PostgreSQL 15, archiving through the WAL daemon. */
class TestPostgresBackup
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    static Path temp;
    private static S3ProxyServer s3;

    @BeforeAll
    static void startS3()
            throws Exception
    {
        assumeTrue(Files.isExecutable(TestingPostgres.BIN.resolve("postgres")), "PostgreSQL 15 is not installed");
        s3 = new S3ProxyServer(Files.createDirectories(temp.resolve("s3proxy")));
    }

    @AfterAll
    static void stopS3()
            throws Exception
    {
        if (s3 != null) {
            s3.close();
        }
    }

    /** A shell command running the JDK-only daemon client. */
    private static String clientCommand(Path socket, String arguments)
            throws Exception
    {
        Path classes = Path.of(DaemonClientMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return java + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp " + classes + " " + DaemonClientMain.class.getName() + " " + socket + " " + arguments;
    }

    private static Map<String, String> withPg(Map<String, String> env, TestingPostgres postgres)
    {
        Map<String, String> result = new HashMap<>(env);
        result.put("PGHOST", "127.0.0.1");
        result.put("PGPORT", String.valueOf(postgres.port()));
        result.put("PGUSER", TestingPostgres.user());
        result.put("HERD_ARCHIVE_CHECK_TIMEOUT", "90");
        return result;
    }

    private static List<String> keys(BackupService service, String prefix)
            throws Exception
    {
        return service.storage().list(prefix).stream().map(StoredObject::key).toList();
    }

    private static String walFileName(TestingPostgres postgres)
            throws Exception
    {
        return postgres.queryString("SELECT pg_walfile_name(pg_current_wal_lsn())");
    }

    /** Switches WAL and waits (bounded) until the segment that was current is archived. */
    private static void switchAndAwaitArchived(TestingPostgres postgres, BackupService service)
            throws Exception
    {
        String current = walFileName(postgres);
        postgres.execute("SELECT pg_switch_wal()");
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (!service.walArchive().contains(current)) {
            assertThat(Instant.now()).as("segment %s archived in time", current).isBefore(deadline);
            Thread.sleep(200);
        }
    }

    @Test
    @Timeout(600)
    void backupRestoreAndPointInTimeRecoveryOnS3()
            throws Exception
    {
        Map<String, String> storageEnv = StorageKind.S3.environment(s3, temp, "pitr");
        Path socket = temp.resolve("d1.sock");
        try (BackupService service = BackupService.fromEnv(storageEnv);
                WalDaemon daemon = new WalDaemon(service.walArchive(), Optional.empty(), socket, 4)) {
            daemon.start();
            TestingPostgres primary = TestingPostgres.initialize(temp.resolve("primary"), Map.of(
                    "archive_mode", "on",
                    "archive_command", clientCommand(socket, "wal-push %p"),
                    "wal_level", "replica"), Map.of());
            try (primary) {
                primary.start();
                primary.execute("CREATE TABLE items (id int PRIMARY KEY, note text)");
                primary.execute("INSERT INTO items SELECT g, 'before backup' FROM generate_series(1, 100) g");
                Map<String, String> env = withPg(storageEnv, primary);

                Cli.Result push = Cli.run(env, "backup-push", primary.dataDirectory().toString());
                assertThat(push.exitCode()).as(push.err()).isZero();
                String name = push.out().split(" ")[0];
                assertThat(name).matches("base_[0-9A-F]{24}");
                String startWal = name.substring("base_".length());

                // the layout is WAL-G's, object for object
                assertThat(keys(service, "basebackups_005/")).containsExactlyInAnyOrder(
                        "basebackups_005/" + name + "_backup_stop_sentinel.json",
                        "basebackups_005/" + name + "/metadata.json",
                        "basebackups_005/" + name + "/files_metadata.json",
                        "basebackups_005/" + name + "/tar_partitions/part_001.tar.lz4",
                        "basebackups_005/" + name + "/tar_partitions/pg_control.tar.lz4",
                        "basebackups_005/" + name + "/tar_partitions/backup_label.tar.lz4");
                assertThat(keys(service, "wal_005/")).contains("wal_005/" + startWal + ".lz4");
                // pg_backup_stop waits for the stop segment only; the .backup history file is archived after it
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(keys(service, "wal_005/"))
                        .anyMatch(key -> key.matches("wal_005/" + startWal + "\\.[0-9A-F]{8}\\.backup\\.lz4")));
                JsonNode sentinel = new ObjectMapper().readTree(service.storage().get("basebackups_005/" + name + "_backup_stop_sentinel.json").orElseThrow().content());
                assertThat(sentinel.get("Version").asInt()).isEqualTo(2);
                assertThat(sentinel.get("PgVersion").asInt()).isBetween(150000, 159999);
                assertThat(sentinel.has("Spec")).isTrue();
                assertThat(sentinel.get("Spec").isNull()).isTrue();
                assertThat(sentinel.get("ChkpNum").isNull()).isTrue();
                assertThat(sentinel.get("DateFmt").asText()).isEqualTo("%Y-%m-%dT%H:%M:%S.%fZ");
                assertThat(sentinel.get("FinishLSN").asLong()).isGreaterThan(sentinel.get("LSN").asLong());
                assertThat(sentinel.get("IsPermanent").asBoolean()).isFalse();

                Cli.Result list = Cli.run(env, "backup-list", "--json", "--detail");
                assertThat(list.exitCode()).isZero();
                JsonNode listed = new ObjectMapper().readTree(list.out());
                assertThat(listed).hasSize(1);
                assertThat(listed.get(0).get("backup_name").asText()).isEqualTo(name);
                assertThat(listed.get(0).get("wal_file_name").asText()).isEqualTo(startWal);
                assertThat(listed.get(0).get("start_lsn").asLong()).isEqualTo(sentinel.get("LSN").asLong());

                primary.execute("INSERT INTO items SELECT g, 'after backup' FROM generate_series(101, 200) g");
                Thread.sleep(1100);
                String target = primary.queryString("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'");
                Thread.sleep(1100);
                primary.execute("INSERT INTO items SELECT g, 'after target' FROM generate_series(201, 300) g");
                switchAndAwaitArchived(primary, service);

                assertThat(Cli.run(env, "wal-verify").exitCode()).isZero();

                // point in time: only the rows committed before the target
                Path pitrDir = temp.resolve("pitr");
                Cli.Result fetch = Cli.run(storageEnv, "backup-fetch", pitrDir.toString(), "LATEST", "--target-time", target,
                        "--restore-command", clientCommand(socket, "wal-fetch %f %p"));
                assertThat(fetch.exitCode()).as(fetch.err()).isZero();
                assertThat(pitrDir.resolve("recovery.signal")).exists();
                assertThat(pitrDir.resolve("backup_label")).exists();
                assertThat(pitrDir.resolve("global/pg_control")).exists();
                try (TestingPostgres restored = TestingPostgres.existing(pitrDir, Map.of())) {
                    restored.appendSettings(Map.of("archive_mode", "off"));
                    restored.start();
                    restored.awaitQuery("SELECT pg_is_in_recovery()::text", "false", START_TIMEOUT);
                    assertThat(restored.queryString("SELECT count(*) FROM items")).isEqualTo("200");
                    assertThat(restored.queryString("SELECT count(*) FROM items WHERE note = 'after target'")).isEqualTo("0");
                }

                // to the end of the archive: everything
                Path fullDir = temp.resolve("full");
                fetch = Cli.run(storageEnv, "backup-fetch", fullDir.toString(), name, "--recovery", "--restore-command", clientCommand(socket, "wal-fetch %f %p"));
                assertThat(fetch.exitCode()).as(fetch.err()).isZero();
                try (TestingPostgres restored = TestingPostgres.existing(fullDir, Map.of())) {
                    restored.appendSettings(Map.of("archive_mode", "off"));
                    restored.start();
                    restored.awaitQuery("SELECT pg_is_in_recovery()::text", "false", START_TIMEOUT);
                    assertThat(restored.queryString("SELECT count(*) FROM items")).isEqualTo("300");
                }

                // a plain fetch, as WAL-G does it, writes no recovery settings
                Path plainDir = temp.resolve("plain");
                assertThat(Cli.run(storageEnv, "backup-fetch", plainDir.toString(), "LATEST").exitCode()).isZero();
                assertThat(plainDir.resolve("recovery.signal")).doesNotExist();
                assertThat(plainDir.resolve("PG_VERSION")).exists();
                assertThat(plainDir.resolve("postmaster.pid")).doesNotExist();
                assertThat(plainDir.resolve("pg_wal")).isDirectory();
                // the destination must be empty
                Cli.Result again = Cli.run(storageEnv, "backup-fetch", plainDir.toString(), "LATEST");
                assertThat(again.exitCode()).isEqualTo(1);
                assertThat(again.err()).contains("is not empty").hasLineCount(1);
            }
        }
    }

    @Test
    @Timeout(600)
    void deltaBackupsRetentionCorruptionAndArchiveCheckOnFilesystem()
            throws Exception
    {
        Map<String, String> storageEnv = new HashMap<>(StorageKind.FILE.environment(s3, temp, "delta"));
        storageEnv.put("WALG_COMPRESSION_METHOD", "zstd");
        Path socket = temp.resolve("d2.sock");
        try (BackupService service = BackupService.fromEnv(storageEnv);
                WalDaemon daemon = new WalDaemon(service.walArchive(), Optional.empty(), socket, 4)) {
            daemon.start();
            TestingPostgres primary = TestingPostgres.initialize(temp.resolve("primary2"), Map.of(
                    "archive_mode", "on",
                    "archive_command", clientCommand(socket, "wal-push %p"),
                    "wal_level", "replica"), Map.of());
            try (primary) {
                primary.start();
                primary.execute("CREATE TABLE items (id int PRIMARY KEY, note text)");
                primary.execute("CREATE TABLE stable (id int)");
                primary.execute("INSERT INTO stable SELECT generate_series(1, 1000)");
                primary.execute("INSERT INTO items SELECT g, 'first' FROM generate_series(1, 100) g");
                primary.execute("CHECKPOINT");
                // files untouched for longer than the safety margin before the full backup starts are skipped by the delta
                Thread.sleep(2500);
                Map<String, String> env = withPg(storageEnv, primary);

                Cli.Result full = Cli.run(env, "backup-push", primary.dataDirectory().toString(), "--full");
                assertThat(full.exitCode()).as(full.err()).isZero();
                String fullName = full.out().split(" ")[0];

                primary.execute("INSERT INTO items SELECT g, 'second' FROM generate_series(101, 150) g");
                Cli.Result delta = Cli.run(env, "backup-push", primary.dataDirectory().toString(), "--delta");
                assertThat(delta.exitCode()).as(delta.err()).isZero();
                String deltaName = delta.out().split(" ")[0];
                assertThat(deltaName).isEqualTo("base_" + deltaName.substring(5, 29) + "_D_" + fullName.substring(5));
                BackupSentinel deltaSentinel = service.catalog().sentinel(deltaName);
                assertThat(deltaSentinel.deltaFrom()).contains(fullName);
                assertThat(deltaSentinel.deltaFullName()).contains(fullName);
                assertThat(deltaSentinel.deltaCount()).isEqualTo(1);
                assertThat(service.catalog().filesMetadata(deltaName).orElseThrow().files().values()).anyMatch(file -> file.skipped());
                assertThat(keys(service, "basebackups_005/" + deltaName + "/tar_partitions/")).contains(
                        "basebackups_005/" + deltaName + "/tar_partitions/part_001.tar.zst",
                        "basebackups_005/" + deltaName + "/tar_partitions/pg_control.tar.zst");

                primary.execute("INSERT INTO items SELECT g, 'third' FROM generate_series(151, 160) g");
                switchAndAwaitArchived(primary, service);

                Path deltaDir = temp.resolve("delta-restore");
                Cli.Result fetch = Cli.run(storageEnv, "backup-fetch", deltaDir.toString(), deltaName, "--recovery",
                        "--restore-command", clientCommand(socket, "wal-fetch %f %p"));
                assertThat(fetch.exitCode()).as(fetch.err()).isZero();
                try (TestingPostgres restored = TestingPostgres.existing(deltaDir, Map.of())) {
                    restored.appendSettings(Map.of("archive_mode", "off"));
                    restored.start();
                    restored.awaitQuery("SELECT pg_is_in_recovery()::text", "false", START_TIMEOUT);
                    assertThat(restored.queryString("SELECT count(*) FROM items")).isEqualTo("160");
                    assertThat(restored.queryString("SELECT count(*) FROM stable")).isEqualTo("1000");
                }

                // retention: the kept delta needs its full backup and the WAL from the full backup's start on
                List<String> walBefore = keys(service, "wal_005/");
                Cli.Result dryRun = Cli.run(storageEnv, "delete", "retain", "1");
                assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
                assertThat(dryRun.out()).contains("would delete 0 backups");
                assertThat(Cli.run(storageEnv, "delete", "retain", "1", "--confirm").exitCode()).isZero();
                assertThat(service.listBackups()).hasSize(2);
                // only WAL older than the full backup's start segment may go
                String fullStart = fullName.substring("base_".length());
                assertThat(keys(service, "wal_005/")).containsExactlyInAnyOrderElementsOf(
                        walBefore.stream().filter(key -> key.substring("wal_005/".length(), "wal_005/".length() + 24).compareTo(fullStart) >= 0).toList());
                assertThat(keys(service, "wal_005/")).contains("wal_005/" + fullStart + ".zst");
                assertThat(Cli.run(storageEnv, "wal-verify").exitCode()).isZero();

                // corrupt, truncated and missing tar objects make the fetch fail loudly
                String part = "basebackups_005/" + fullName + "/tar_partitions/part_001.tar.zst";
                Path partFile = Path.of(storageEnv.get("WALG_FILE_PREFIX")).resolve(part);
                byte[] original = Files.readAllBytes(partFile);
                byte[] corrupt = original.clone();
                corrupt[corrupt.length / 3] ^= 0x10;
                Files.write(partFile, corrupt);
                assertFetchFails(storageEnv, fullName, "corrupt");
                Files.write(partFile, java.util.Arrays.copyOf(original, original.length / 2));
                assertFetchFails(storageEnv, fullName, "truncated");
                Files.delete(partFile);
                assertFetchFails(storageEnv, fullName, "missing");
                Files.write(partFile, original);

                // a backup whose WAL never reaches the archive is not finalized
                primary.execute("ALTER SYSTEM SET archive_command = '/bin/false'");
                primary.execute("SELECT pg_reload_conf()");
                Map<String, String> impatient = new HashMap<>(env);
                impatient.put("HERD_ARCHIVE_CHECK_TIMEOUT", "3");
                Cli.Result broken = Cli.run(impatient, "backup-push", primary.dataDirectory().toString(), "--full");
                assertThat(broken.exitCode()).isEqualTo(1);
                assertThat(broken.err()).contains("was not archived within 3s").hasLineCount(1);
                assertThat(service.listBackups()).hasSize(2);
                assertThat(keys(service, "basebackups_005/")).allMatch(key -> key.contains(fullName) || key.contains(deltaName));
            }
        }
    }

    private static void assertFetchFails(Map<String, String> env, String backup, String message)
    {
        Path dest = temp.resolve("broken-" + message);
        Cli.Result result = Cli.run(env, "backup-fetch", dest.toString(), backup);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains(message).hasLineCount(1);
        assertThat(dest.resolve("global/pg_control")).doesNotExist();
    }
}
