package io.herd.cli.it;

import io.herd.backup.BackupService;
import io.herd.cli.it.LocalCluster.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A cluster whose agents archive to a WAL-G layout and restore from it, against real PostgreSQL and etcd. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TestClusterBackups
{
    private Path archive;
    private LocalCluster cluster;
    private Node primary;

    @BeforeAll
    void startCluster() throws IOException
    {
        archive = Files.createTempDirectory("herd-archive-");
        String backup = """
                backup:
                  WALG_FILE_PREFIX: %s
                  WALG_COMPRESSION_METHOD: zstd
                  retain: 3
                """.formatted(archive);
        cluster = LocalCluster.start(2, new LocalCluster.Options("it", "", "  create_replica_methods: [herd_backup, basebackup]\n", backup), Optional.empty());
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.leader().isPresent() && cluster.streamingReplicas() == 1);
        }
        catch (RuntimeException | Error e) {
            throw new AssertionError("cluster did not form:\n" + cluster.logs(), e);
        }
        primary = cluster.node(cluster.leader().orElseThrow());
    }

    @AfterAll
    void stopCluster() throws IOException
    {
        if (cluster != null) {
            cluster.close();
        }
        if (archive != null) {
            try (var walk = Files.walk(archive)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void primaryArchivesWalAndTakesAFirstBaseBackup() throws Exception
    {
        awaitBaseBackup();
        try (Connection connection = cluster.connect(primary); Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_switch_wal()");
        }
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            try (var files = Files.list(archive.resolve("wal_005"))) {
                assertThat(files.map(p -> p.getFileName().toString())).anyMatch(name -> name.matches("[0-9A-F]{24}\\.zst"));
            }
        });
    }

    @Test
    void newReplicaIsRestoredFromTheLatestBackupAndThenStreams() throws Exception
    {
        awaitBaseBackup();
        Node replica = cluster.addNode();
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> cluster.streamingReplicas() == 2);
        }
        catch (RuntimeException | Error e) {
            throw new AssertionError("the new replica did not stream:\n" + cluster.log(replica), e);
        }
        assertThat(cluster.log(replica)).contains("replica data restored from base backup base_", "replica created with herd_backup");
    }

    @Test
    void newClusterIsBootstrappedFromTheArchiveToAPointInTime() throws Exception
    {
        awaitBaseBackup();
        String target;
        try (Connection connection = cluster.connect(primary); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE pitr (phase text)");
            statement.execute("INSERT INTO pitr VALUES ('before')");
            try (ResultSet rows = statement.executeQuery("SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"')")) {
                rows.next();
                target = rows.getString(1);
            }
            Thread.sleep(1500);
            statement.execute("INSERT INTO pitr VALUES ('after')");
            statement.execute("SELECT pg_switch_wal()");
        }
        awaitArchived();

        Path cloneArchive = Files.createTempDirectory("herd-clone-archive-");
        String backup = """
                backup:
                  WALG_FILE_PREFIX: %s
                  clone:
                    WALG_FILE_PREFIX: %s
                    target_time: "%s"
                """.formatted(cloneArchive, archive, target);
        try (LocalCluster clone = LocalCluster.start(1, new LocalCluster.Options("it-clone", "", "", backup), Optional.of(cluster.etcd()))) {
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                        .until(() -> clone.leader().map(name -> clone.tryWrite(clone.node(name), "clone-writable")).orElse(false));
            }
            catch (RuntimeException | Error e) {
                throw new AssertionError("the clone did not come up:\n" + clone.logs(), e);
            }
            Node clonePrimary = clone.node(clone.leader().orElseThrow());
            List<String> phases = new ArrayList<>();
            try (Connection connection = clone.connect(clonePrimary); Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT phase FROM pitr ORDER BY phase")) {
                while (rows.next()) {
                    phases.add(rows.getString(1));
                }
            }
            assertThat(phases).containsExactly("before");
            assertThat(clone.log(clonePrimary)).contains("point-in-time recovery finished");
        }
        finally {
            try (var walk = Files.walk(cloneArchive)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void awaitBaseBackup()
    {
        try (BackupService service = BackupService.fromEnv(Map.of("WALG_FILE_PREFIX", archive.toString()))) {
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> !service.listBackups().isEmpty());
        }
        catch (RuntimeException | Error e) {
            throw new AssertionError("no base backup appeared:\n" + cluster.log(primary), e);
        }
    }

    private void awaitArchived()
    {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            try (Connection connection = cluster.connect(primary); Statement statement = connection.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT last_archived_wal >= pg_walfile_name(pg_current_wal_lsn() - 1) FROM pg_stat_archiver")) {
                return rows.next() && rows.getBoolean(1);
            }
        });
    }
}
