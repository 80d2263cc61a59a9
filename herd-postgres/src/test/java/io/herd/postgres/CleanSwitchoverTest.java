package io.herd.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A switchover where the old primary shut down cleanly before the replica took over: no rewind is needed. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CleanSwitchoverTest
{
    private TestMember oldPrimary;
    private TestMember newPrimary;

    @BeforeAll
    void startPrimaryAndReplica()
    {
        oldPrimary = new TestMember("left").bootstrapPrimary();
        newPrimary = new TestMember("right");
        ReplicationSource source = oldPrimary.replicationSource("right");
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
    void cleanlyStoppedFormerPrimaryFollowsWithoutRewind()
            throws Exception
    {
        oldPrimary.execute("CREATE TABLE before_switchover (id int)");
        oldPrimary.server.stop(StopMode.FAST);
        long shutdownCheckpoint = oldPrimary.server.controlData().checkpointLsn();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> newPrimary.server.status().replayLsn().orElse(0) > shutdownCheckpoint);
        newPrimary.server.promote();

        assertThat(oldPrimary.server.needsRewind(newPrimary.rewindSource("left"))).isFalse();

        oldPrimary.server.writeConfiguration(ServerRole.REPLICA, Optional.of(newPrimary.replicationSource("left")));
        newPrimary.server.syncReplicationSlots(java.util.Set.of("left"));
        oldPrimary.server.start();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            PostgresStatus status = oldPrimary.server.status();
            assertThat(status.replicationState()).contains(PostgresStatus.STREAMING);
            assertThat(status.timeline()).isEqualTo(2);
        });
    }
}
