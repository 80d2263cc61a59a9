package io.herd.agent.api;

import io.herd.agent.NodeStatus;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class TestHealthCheck
{
    private static final long NOW = 1_000_000_000L;

    @Test
    void leaderRunningAsPrimaryPassesEveryPrimaryAlias()
    {
        for (String path : List.of("/", "/primary", "/master", "/leader", "/read-write")) {
            assertThat(HealthCheck.status(path, Map.of(), primary(NOW + 1), NOW)).as(path).isEqualTo(200);
        }
    }

    @Test
    void primaryWhoseLeadershipDeadlinePassedFailsTheCheck()
    {
        assertThat(HealthCheck.status("/primary", Map.of(), primary(NOW - 1), NOW)).isEqualTo(503);
    }

    @Test
    void replicaFailsPrimaryCheckAndPassesReplicaCheck()
    {
        assertThat(HealthCheck.status("/primary", Map.of(), replica(Map.of(), 100), NOW)).isEqualTo(503);
        assertThat(HealthCheck.status("/replica", Map.of(), replica(Map.of(), 100), NOW)).isEqualTo(200);
    }

    @Test
    void noloadbalanceReplicaFailsReplicaCheck()
    {
        assertThat(HealthCheck.status("/replica", Map.of(), replica(Map.of("noloadbalance", true), 100), NOW)).isEqualTo(503);
    }

    @Test
    void replicaLaggingMoreThanAskedFailsReplicaCheck()
    {
        NodeStatus lagging = replica(Map.of(), 100);
        assertThat(HealthCheck.status("/replica", Map.of("lag", "1kB"), lagging, NOW)).isEqualTo(503);
        assertThat(HealthCheck.status("/replica", Map.of("lag", "1MB"), lagging, NOW)).isEqualTo(200);
    }

    @Test
    void invalidLagMeansNoLimit()
    {
        assertThat(HealthCheck.status("/replica", Map.of("lag", "lots"), replica(Map.of(), 100), NOW)).isEqualTo(200);
    }

    @Test
    void tagFilterMustMatch()
    {
        NodeStatus tagged = replica(Map.of("zone", "a"), 100);
        assertThat(HealthCheck.status("/replica", Map.of("tag_zone", "a"), tagged, NOW)).isEqualTo(200);
        assertThat(HealthCheck.status("/replica", Map.of("tag_zone", "b"), tagged, NOW)).isEqualTo(503);
    }

    @Test
    void readOnlyPassesOnPrimaryAndReplicas()
    {
        assertThat(HealthCheck.status("/read-only", Map.of(), primary(NOW + 1), NOW)).isEqualTo(200);
        assertThat(HealthCheck.status("/read-only", Map.of(), replica(Map.of(), 100), NOW)).isEqualTo(200);
    }

    @Test
    void unknownPathsFail()
    {
        assertThat(HealthCheck.status("/patroni", Map.of(), primary(NOW + 1), NOW)).isEqualTo(503);
        assertThat(HealthCheck.status("/whatever", Map.of(), primary(NOW + 1), NOW)).isEqualTo(503);
    }

    private static NodeStatus primary(long leaderUntil)
    {
        return new NodeStatus("running", Optional.of("primary"), OptionalLong.of(5000), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), false,
                OptionalInt.of(1), Optional.empty(), List.of(), Optional.empty(), OptionalInt.of(150000), Optional.of("1"), leaderUntil, false,
                OptionalLong.empty(), false, Map.of(), NOW, OptionalLong.of(5000));
    }

    private static NodeStatus replica(Map<String, Object> tags, long replayed)
    {
        return new NodeStatus("running", Optional.of("replica"), OptionalLong.empty(), OptionalLong.of(replayed), OptionalLong.of(replayed), Optional.empty(),
                false, OptionalInt.of(1), Optional.of("streaming"), List.of(), Optional.empty(), OptionalInt.of(150000), Optional.of("1"), 0, false,
                OptionalLong.empty(), false, tags, NOW, OptionalLong.of(1_000_000));
    }
}
