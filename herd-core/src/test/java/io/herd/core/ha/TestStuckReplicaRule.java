package io.herd.core.ha;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class TestStuckReplicaRule
{
    private static final Duration LOOP_WAIT = Duration.ofSeconds(1);

    @Test
    void replicaOnAnOlderTimelineNotStreamingPastTheGraceIsChecked()
    {
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofSeconds(6), OptionalInt.of(1), OptionalInt.of(2), LOOP_WAIT, Optional.empty())).isTrue();
    }

    @Test
    void replicaOnTheLeadersTimelineIsNeverChecked()
    {
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofMinutes(10), OptionalInt.of(2), OptionalInt.of(2), LOOP_WAIT, Optional.empty())).isFalse();
    }

    @Test
    void unknownTimelinesAreNotChecked()
    {
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofMinutes(10), OptionalInt.empty(), OptionalInt.of(2), LOOP_WAIT, Optional.empty())).isFalse();
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofMinutes(10), OptionalInt.of(1), OptionalInt.empty(), LOOP_WAIT, Optional.empty())).isFalse();
    }

    @Test
    void aWalReceiverReconnectingIsGivenTwoLoopsAndAtLeastFiveSeconds()
    {
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofSeconds(4), OptionalInt.of(1), OptionalInt.of(2), LOOP_WAIT, Optional.empty())).isFalse();
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofSeconds(15), OptionalInt.of(1), OptionalInt.of(2), Duration.ofSeconds(10), Optional.empty())).isFalse();
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofSeconds(20), OptionalInt.of(1), OptionalInt.of(2), Duration.ofSeconds(10), Optional.empty())).isTrue();
    }

    @Test
    void checksAreSpacedByTheRecheckInterval()
    {
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofMinutes(5), OptionalInt.of(1), OptionalInt.of(2), LOOP_WAIT, Optional.of(Duration.ofSeconds(29)))).isFalse();
        assertThat(StuckReplicaRule.shouldCheck(Duration.ofMinutes(5), OptionalInt.of(1), OptionalInt.of(2), LOOP_WAIT, Optional.of(Duration.ofSeconds(30)))).isTrue();
    }
}
