package io.herd.postgres;

import io.herd.testing.FreePorts;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsTest
{
    private static final String CONTROLDATA = """
            pg_control version number:            1300
            Catalog version number:               202209061
            Database system identifier:           7307162837480271001
            Database cluster state:               shut down in recovery
            pg_control last modified:             Tue 25 Nov 2025 20:16:01 UTC
            Latest checkpoint location:           0/3000060
            Latest checkpoint's REDO location:    0/3000028
            Latest checkpoint's REDO WAL file:    000000010000000000000003
            Latest checkpoint's TimeLineID:       1
            Minimum recovery ending location:     0/30000D8
            Min recovery ending loc's timeline:   2
            """;

    @Test
    void initdbAsRootIsRefused()
    {
        PostgresServer server = new PostgresServer(PostgresSettings.builder(Path.of("/tmp/herd-never-created/data"), FreePorts.next()).build(), () -> 0);
        assertThatThrownBy(server::initdb)
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("as root");
        assertThat(Path.of("/tmp/herd-never-created")).doesNotExist();
    }

    @Test
    void credentialsNeverShowThePassword()
    {
        Credentials credentials = Credentials.of("postgres", "hunter2");
        assertThat(credentials.toString()).doesNotContain("hunter2");
        assertThat(PostgresSettings.builder(Path.of("/tmp/x/data"), 5432).superuser(credentials).build().toString()).doesNotContain("hunter2");
    }

    @Test
    void controlDataIsParsed()
    {
        ControlData control = ControlData.parse(CONTROLDATA);
        assertThat(control.state()).isEqualTo(ControlData.SHUT_DOWN_IN_RECOVERY);
        assertThat(control.isCleanShutdown()).isTrue();
        assertThat(control.systemIdentifier()).isEqualTo(7307162837480271001L);
        assertThat(control.timeline()).isEqualTo(1);
        assertThat(control.checkpointLsn()).isEqualTo(0x3000060L);
        assertThat(control.redoLsn()).isEqualTo(0x3000028L);
        assertThat(control.minRecoveryEndLsn()).isEqualTo(0x30000D8L);
        assertThat(control.minRecoveryEndTimeline()).isEqualTo(2);
    }

    @Test
    void timelineDivergenceComparesWithTheSwitchpoint()
    {
        String history = "1\t0/3000148\tno recovery target specified\n";
        assertThat(TimelineDivergence.diverged(2, 0x5000000L, 2, Optional.of(history))).isFalse();
        assertThat(TimelineDivergence.diverged(1, 0x3000148L, 2, Optional.of(history))).isFalse();
        assertThat(TimelineDivergence.diverged(1, 0x3000149L, 2, Optional.of(history))).isTrue();
        assertThat(TimelineDivergence.diverged(3, 0x1000000L, 2, Optional.of(history))).isTrue();
        assertThat(TimelineDivergence.diverged(1, 0x1000000L, 3, Optional.of("2\t0/5000000\tx\n"))).isTrue();
    }

    @Test
    void settingsDefaults()
    {
        PostgresSettings settings = PostgresSettings.builder(Path.of("/srv/pg/data"), 5433).build();
        assertThat(settings.binDir()).isEqualTo(Path.of("/usr/lib/postgresql/15/bin"));
        assertThat(settings.listenHosts()).containsExactly("127.0.0.1");
        assertThat(settings.connectAddress()).isEqualTo(new io.herd.core.cluster.HostPort("127.0.0.1", 5433));
        assertThat(settings.socketDir()).isEqualTo(Path.of("/srv/pg"));
        assertThat(settings.logDir()).isEqualTo(Path.of("/srv/pg/log"));
        assertThat(settings.pgpassPath()).isEqualTo(Path.of("/srv/pg/pgpass.5433"));
        assertThat(settings.superuser().username()).isEqualTo("postgres");
        assertThat(settings.replication().username()).isEqualTo("replicator");
        assertThat(settings.rewindOrSuperuser()).isEqualTo(settings.superuser());
        assertThat(settings.startTimeout()).isEqualTo(java.time.Duration.ofSeconds(60));
        assertThat(settings.stopTimeout()).isEqualTo(java.time.Duration.ofSeconds(60));
    }

    @Test
    void herdOwnedParametersOverrideUserParametersAndDefaultsFillGaps()
    {
        PostgresSettings settings = PostgresSettings.builder(Path.of("/srv/pg/data"), 5433)
                .parameter("port", "1")
                .parameter("max_wal_senders", "20")
                .clusterName("batman")
                .build();
        java.util.Map<String, String> parameters = new PostgresConfigFiles(settings).parameters(ServerRole.REPLICA,
                Optional.of(new ReplicationSource("10.0.0.1", 5432, "replicator", Optional.of("secret"), "node a", Optional.of("node_a"))));
        assertThat(parameters)
                .containsEntry("port", "5433")
                .containsEntry("max_wal_senders", "20")
                .containsEntry("wal_level", "replica")
                .containsEntry("hot_standby", "on")
                .containsEntry("wal_log_hints", "on")
                .containsEntry("cluster_name", "batman")
                .containsEntry("unix_socket_directories", "/srv/pg")
                .containsEntry("primary_slot_name", "node_a")
                .containsEntry("recovery_target_timeline", "latest");
        assertThat(parameters.get("primary_conninfo"))
                .contains("host=10.0.0.1", "port=5432", "user=replicator", "application_name='node a'", "passfile=/srv/pg/pgpass.5433")
                .doesNotContain("secret");
    }

    @Test
    void tooLongSocketDirectoryIsRejected()
    {
        assertThatThrownBy(() -> PostgresSettings.builder(Path.of("/tmp/data"), 5432).socketDir(Path.of("/tmp/" + "s".repeat(100))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long");
    }
}
