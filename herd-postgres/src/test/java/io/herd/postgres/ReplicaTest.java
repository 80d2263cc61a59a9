package io.herd.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaTest
{
    private TestMember primary;
    private TestMember replica;

    @BeforeAll
    void startPrimaryAndReplica()
    {
        primary = new TestMember("alpha").bootstrapPrimary();
        replica = new TestMember("beta");
        primary.server.syncReplicationSlots(Set.of(PostgresServer.slotName("beta")));
        ReplicationSource source = primary.replicationSource("beta");
        replica.server.cloneFrom(source);
        replica.server.writeConfiguration(ServerRole.REPLICA, Optional.of(source));
        replica.server.start();
    }

    @AfterAll
    void stopAll()
    {
        if (replica != null) {
            replica.close();
        }
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void clonedReplicaStreamsFromThePrimary()
    {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            PostgresStatus status = replica.server.status();
            assertThat(status.inRecovery()).isTrue();
            assertThat(status.replicationState()).contains(PostgresStatus.STREAMING);
            assertThat(status.timeline()).isEqualTo(1);
        });
        PostgresStatus primaryStatus = primary.server.status();
        assertThat(primaryStatus.replicas())
                .anySatisfy(connection -> {
                    assertThat(connection.applicationName()).isEqualTo("beta");
                    assertThat(connection.usename()).isEqualTo("replicator");
                    assertThat(connection.state()).isEqualTo("streaming");
                    assertThat(connection.syncState()).isEqualTo("async");
                });
        assertThat(replica.server.status().systemIdentifier()).isEqualTo(primaryStatus.systemIdentifier());
    }

    @Test
    void replicaUsesItsSlotOnThePrimary()
    {
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
                assertThat(primary.server.syncReplicationSlots(Set.of("beta")).keptActive()).isEmpty());
        assertThat(primary.server.syncReplicationSlots(Set.of()).keptActive()).containsExactly("beta");
        primary.server.syncReplicationSlots(Set.of("beta"));
    }

    @Test
    void customReplicaMethodGetsTheSourceAndThePasswordThroughPgpass()
            throws Exception
    {
        try (TestMember other = new TestMember("gamma")) {
            java.nio.file.Path script = other.directory.resolve("clone.sh");
            java.nio.file.Files.writeString(script, """
                    #!/bin/bash
                    for arg; do case $arg in --datadir=*) dir=${arg#*=};; --connstring=*) conn=${arg#*=};; --fail=*) exit 3;; esac; done
                    echo "$*" > "$(dirname "$0")/args"
                    exec "$BIN/pg_basebackup" --pgdata="$dir" -X stream --checkpoint=fast --dbname="$conn"
                    """.replace("$BIN", other.settings.binDir().toString()));
            ReplicaMethod failing = new ReplicaMethod("broken", java.util.List.of("bash", script.toString()), java.util.Map.of("fail", "yes"), false, false, false);
            ReplicaMethod custom = new ReplicaMethod("custom", java.util.List.of("bash", script.toString()), java.util.Map.of("extra", "1"), false, false, false);

            String used = other.server.createReplica(java.util.List.of(failing, custom), Optional.of(primary.replicationSource("gamma")));

            assertThat(used).isEqualTo("custom");
            assertThat(other.server.dataDirectoryState().isInitialized()).isTrue();
            assertThat(java.nio.file.Files.readString(other.directory.resolve("args")))
                    .contains("--scope=test", "--role=replica", "--datadir=" + other.settings.dataDir(), "--extra=1")
                    .doesNotContain(TestMember.REPLICATION.password().orElseThrow());
        }
    }

    @Test
    void dataWrittenOnThePrimaryIsVisibleOnTheReplica()
            throws Exception
    {
        primary.execute("CREATE TABLE replicated (id int)");
        primary.execute("INSERT INTO replicated VALUES (42)");
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> {
            try (Connection connection = replica.connect(); ResultSet row = connection.createStatement().executeQuery("SELECT id FROM replicated")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getInt(1)).isEqualTo(42);
            }
        });
        PostgresStatus status = replica.server.status();
        assertThat(status.replayLsn()).isPresent();
        assertThat(status.replayPaused()).isFalse();
    }
}
