package io.herd.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A failover in steps: the replica is promoted, the old primary diverges and is rewound to follow it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverTest
{
    private TestMember oldPrimary;
    private TestMember newPrimary;

    @BeforeAll
    void startPrimaryAndReplica()
    {
        oldPrimary = new TestMember("one").bootstrapPrimary();
        newPrimary = new TestMember("two");
        ReplicationSource source = oldPrimary.replicationSource("two");
        newPrimary.server.cloneFrom(source);
        newPrimary.server.writeConfiguration(ServerRole.REPLICA, Optional.of(new ReplicationSource(source.host(), source.port(), source.user(),
                source.password(), source.applicationName(), Optional.empty())));
        newPrimary.server.start();
        await().atMost(Duration.ofSeconds(15)).ignoreExceptions()
                .until(() -> newPrimary.server.status().replicationState().equals(Optional.of(PostgresStatus.STREAMING)));
    }

    @AfterAll
    void stopAll()
    {
        if (newPrimary != null) {
            newPrimary.close();
        }
        if (oldPrimary != null) {
            oldPrimary.close();
        }
    }

    @Test
    @Order(1)
    void promotedReplicaAcceptsWritesOnTheNextTimeline()
            throws Exception
    {
        // dirty buffers on the replica: the spread checkpoint PostgreSQL requests at promotion then runs for a minute or more
        oldPrimary.execute("CREATE TABLE bulk AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 40000) g");
        awaitReplayed();

        newPrimary.server.promote();
        assertThat(newPrimary.server.writeConfiguration(ServerRole.PRIMARY, Optional.empty())).isNotEqualTo(ConfigurationChange.RESTART);
        newPrimary.server.reload();

        PostgresStatus status = newPrimary.server.status();
        assertThat(status.inRecovery()).isFalse();
        assertThat(status.timeline()).isEqualTo(2);
        newPrimary.execute("CREATE TABLE after_promotion (id int)");
        assertThat(checkpointTimeline(newPrimary)).as("pg_control still names the old timeline until the first checkpoint").isEqualTo(1);
    }

    @Test
    @Order(2)
    void divergedFormerPrimaryIsRewoundAndFollowsTheNewPrimaryBeforeItsFirstCheckpoint()
            throws Exception
    {
        oldPrimary.execute("CREATE TABLE diverged (id int)"); // WAL the new primary never saw
        oldPrimary.server.stop(StopMode.IMMEDIATE);

        ReplicationSource rewindSource = newPrimary.rewindSource("one");
        assertThat(oldPrimary.server.needsRewind(rewindSource)).isTrue();
        RewindResult result = oldPrimary.server.rewind(rewindSource);
        assertThat(result.succeeded()).as(result.outputTail()).isTrue();
        assertThat(result.outputTail()).doesNotContain("no rewind required");
        assertThat(checkpointTimeline(newPrimary)).isEqualTo(2);
        assertThat(oldPrimary.server.needsRewind(rewindSource)).isFalse();

        ReplicationSource streamSource = newPrimary.replicationSource("one");
        newPrimary.server.syncReplicationSlots(java.util.Set.of(streamSource.slotName().orElseThrow()));
        oldPrimary.server.writeConfiguration(ServerRole.REPLICA, Optional.of(streamSource));
        oldPrimary.server.start();

        newPrimary.execute("INSERT INTO after_promotion VALUES (7)");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            PostgresStatus status = oldPrimary.server.status();
            assertThat(status.inRecovery()).isTrue();
            assertThat(status.replicationState()).contains(PostgresStatus.STREAMING);
            assertThat(status.timeline()).isEqualTo(2);
            try (Connection connection = oldPrimary.connect(); ResultSet row = connection.createStatement().executeQuery("SELECT id FROM after_promotion")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getInt(1)).isEqualTo(7);
            }
        });
    }

    @Test
    @Order(3)
    void formerPrimaryStartedReadOnlyBeforeItKnewTheNewLeaderIsFoundPastTheForkAndRewound()
            throws Exception
    {
        // roles swap again: the rewound node is promoted to timeline 3 while the timeline-2 primary writes on
        oldPrimary.server.promote();
        newPrimary.execute("CREATE TABLE diverged_again (id int)");
        newPrimary.server.stop(StopMode.IMMEDIATE);

        // started as a replica of nobody, it replays its own timeline-2 WAL to the end: past timeline 3's fork
        newPrimary.server.writeConfiguration(ServerRole.REPLICA, Optional.empty());
        newPrimary.server.start();
        ReplicationSource leader = oldPrimary.rewindSource("two");
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> newPrimary.server.replayDiverged(leader));

        ReplicationSource streamSource = oldPrimary.replicationSource("two");
        oldPrimary.server.syncReplicationSlots(java.util.Set.of(streamSource.slotName().orElseThrow()));
        newPrimary.server.stop(StopMode.FAST);
        RewindResult result = newPrimary.server.rewind(leader);
        assertThat(result.succeeded()).as(result.outputTail()).isTrue();
        newPrimary.server.writeConfiguration(ServerRole.REPLICA, Optional.of(streamSource));
        newPrimary.server.start();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> {
            PostgresStatus status = newPrimary.server.status();
            assertThat(status.replicationState()).contains(PostgresStatus.STREAMING);
            assertThat(status.timeline()).isEqualTo(3);
        });
        assertThat(newPrimary.server.replayDiverged(leader)).isFalse();
    }

    private void awaitReplayed()
    {
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            long written = oldPrimary.server.status().walPosition();
            return newPrimary.server.status().replayLsn().orElse(0) >= written;
        });
    }

    private static int checkpointTimeline(TestMember member)
            throws Exception
    {
        try (Connection connection = member.connect();
                ResultSet row = connection.createStatement().executeQuery("SELECT timeline_id FROM pg_control_checkpoint()")) {
            row.next();
            return row.getInt(1);
        }
    }
}
