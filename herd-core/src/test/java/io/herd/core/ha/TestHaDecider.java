package io.herd.core.ha;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.core.cluster.ClusterStatus;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.FailoverRequest;
import io.herd.core.cluster.Leader;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.PatroniCodec;
import io.herd.core.cluster.SyncState;
import io.herd.core.cluster.TimelineHistory;
import io.herd.core.ha.HaAction.AcquireLeadership;
import io.herd.core.ha.HaAction.AdoptCluster;
import io.herd.core.ha.HaAction.BootstrapCluster;
import io.herd.core.ha.HaAction.CloneReplica;
import io.herd.core.ha.HaAction.Demote;
import io.herd.core.ha.HaAction.Fail;
import io.herd.core.ha.HaAction.Follow;
import io.herd.core.ha.HaAction.LeadCluster;
import io.herd.core.ha.HaAction.ReleaseLeadership;
import io.herd.core.ha.HaAction.Wait;
import io.herd.core.ha.LocalState.DataDirectory;
import io.herd.core.ha.LocalState.Role;
import io.herd.core.ha.LocalState.Running;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class TestHaDecider
{
    private static final String ME = "node1";
    private static final HaSettings SETTINGS = new HaSettings(ME, Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofMillis(1500),
            1048576, Duration.ofSeconds(30), false, 1, true, false);

    @Test
    void emptyClusterIsBootstrapped()
    {
        assertThat(decide(cluster(), empty())).isInstanceOf(BootstrapCluster.class);
    }

    @Test
    void nofailoverMemberNeverBootstraps()
    {
        HaSettings settings = new HaSettings(ME, Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofMillis(1500), 1048576, Duration.ofSeconds(30), true, 0, true, false);
        assertThat(HaDecider.decide(cluster().view(), empty().state(), settings, Map.of())).isInstanceOf(Wait.class);
    }

    @Test
    void emptyDataWhileBootstrapInProgressWaits()
    {
        assertThat(decide(cluster().initialize(""), empty())).isInstanceOf(Wait.class);
    }

    @Test
    void emptyDataWithLeaderClonesFromLeader()
    {
        HaAction action = decide(cluster().initialize("42").leader("node2").member("node2", "running"), empty());
        assertThat(action).isInstanceOfSatisfying(CloneReplica.class, clone -> assertThat(clone.source().orElseThrow().name()).isEqualTo("node2"));
    }

    @Test
    void cloneSourcePrefersClonefromMember()
    {
        Builder cluster = cluster().initialize("42").leader("node2").member("node2", "running").member("node3", "running", Map.of("clonefrom", true));
        assertThat(decide(cluster, empty())).isInstanceOfSatisfying(CloneReplica.class, clone -> assertThat(clone.source().orElseThrow().name()).isEqualTo("node3"));
    }

    @Test
    void emptyDataWithoutLeaderWaitsForOne()
    {
        assertThat(decide(cluster().initialize("42"), empty())).isInstanceOf(Wait.class);
    }

    @Test
    void emptyDataWithoutLeaderRestoresFromBackupsWhenAMethodNeedsNoLeader()
    {
        HaSettings settings = new HaSettings(ME, Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofMillis(1500), 1048576, Duration.ofSeconds(30), false, 1, true, true);
        assertThat(HaDecider.decide(cluster().initialize("42").view(), empty().state(), settings, Map.of()))
                .isInstanceOfSatisfying(CloneReplica.class, clone -> assertThat(clone.source()).isEmpty());
    }

    @Test
    void leaderWithoutDataReleasesKey()
    {
        assertThat(decide(cluster().initialize("42").leader(ME), empty())).isInstanceOf(ReleaseLeadership.class);
    }

    @Test
    void systemIdentifierMismatchFails()
    {
        assertThat(decide(cluster().initialize("42").leader("node2"), replica(100).sysid("43"))).isInstanceOf(Fail.class);
    }

    @Test
    void existingDataWithoutInitializeKeyIsAdopted()
    {
        assertThat(decide(cluster(), primary(100))).isInstanceOf(AdoptCluster.class);
    }

    @Test
    void leaderRenewsWhileRunningAsPrimary()
    {
        HaAction action = decide(cluster().initialize("42").leader(ME), primary(100));
        assertThat(action).isInstanceOfSatisfying(LeadCluster.class, lead -> {
            assertThat(lead.promote()).isFalse();
            assertThat(lead.start()).isFalse();
        });
    }

    @Test
    void leaderRunningAsReplicaPromotes()
    {
        assertThat(decide(cluster().initialize("42").leader(ME), replica(100)))
                .isInstanceOfSatisfying(LeadCluster.class, lead -> assertThat(lead.promote()).isTrue());
    }

    @Test
    void leaderWhosePostgresCrashedRestartsIt()
    {
        HaAction action = decide(cluster().initialize("42").leader(ME), primary(100).running(Running.CRASHED).crashedFor(Duration.ofSeconds(1)));
        assertThat(action).isInstanceOfSatisfying(LeadCluster.class, lead -> assertThat(lead.start()).isTrue());
    }

    @Test
    void leaderWhosePostgresStaysDownPastStartTimeoutReleasesKeyWhenAnotherCanTakeOver()
    {
        LocalBuilder local = primary(100).running(Running.CRASHED).crashedFor(Duration.ofSeconds(31));
        assertThat(decide(cluster().initialize("42").leader(ME), local, peer("node2", false, 100)))
                .isInstanceOf(ReleaseLeadership.class);
    }

    @Test
    void leaderWhosePostgresStaysDownKeepsTryingWhenNoOneCanTakeOver()
    {
        LocalBuilder local = primary(100).running(Running.CRASHED).crashedFor(Duration.ofSeconds(31));
        assertThat(decide(cluster().initialize("42").leader(ME), local)).isInstanceOf(LeadCluster.class);
    }

    @Test
    void leaderOnlyRenewsWhileTaskRuns()
    {
        assertThat(decide(cluster().initialize("42").leader(ME), replica(100).task()))
                .isInstanceOfSatisfying(LeadCluster.class, lead -> assertThat(lead.promote()).isFalse());
    }

    @Test
    void replicaWaitsWhileTaskRuns()
    {
        assertThat(decide(cluster().initialize("42").leader("node2"), replica(100).task())).isInstanceOf(Wait.class);
    }

    @Test
    void replicaFollowsLeader()
    {
        HaAction action = decide(cluster().initialize("42").leader("node2").member("node2", "running"), replica(100));
        assertThat(action).isInstanceOfSatisfying(Follow.class, follow -> assertThat(follow.leader()).map(Member::name).contains("node2"));
    }

    @Test
    void primaryWithoutKeyWhileAnotherLeadsDemotes()
    {
        assertThat(decide(cluster().initialize("42").leader("node2").member("node2", "running"), primary(100))).isInstanceOf(Demote.class);
    }

    @Test
    void stoppedNodeWithoutLeaderStartsReadOnlyBeforeRacing()
    {
        assertThat(decide(cluster().initialize("42"), replica(100).running(Running.STOPPED)))
                .isInstanceOfSatisfying(Follow.class, follow -> assertThat(follow.leader()).isEmpty());
    }

    @Test
    void healthiestReplicaRacesForFreeKey()
    {
        assertThat(decide(cluster().initialize("42"), replica(200), peer("node2", false, 100), peer("node3", false, 150)))
                .isInstanceOf(AcquireLeadership.class);
    }

    @Test
    void replicaBehindAPeerStandsAside()
    {
        assertThat(decide(cluster().initialize("42"), replica(100), peer("node2", false, 200))).isInstanceOf(Follow.class);
    }

    @Test
    void unreachablePeersAreIgnored()
    {
        assertThat(decide(cluster().initialize("42"), replica(100), PeerStatus.unreachable("node2"))).isInstanceOf(AcquireLeadership.class);
    }

    @Test
    void replicaStandsAsideWhileAPeerStillRunsAsPrimary()
    {
        assertThat(decide(cluster().initialize("42"), replica(300), peer("node2", true, 100))).isInstanceOf(Follow.class);
    }

    @Test
    void equalPositionHigherPriorityPeerWins()
    {
        PeerStatus better = new PeerStatus("node2", true, false, OptionalLong.of(100), 5, false);
        assertThat(decide(cluster().initialize("42"), replica(100), better)).isInstanceOf(Follow.class);
    }

    @Test
    void equalPositionEqualPriorityBothRace()
    {
        assertThat(decide(cluster().initialize("42"), replica(100), peer("node2", false, 100))).isInstanceOf(AcquireLeadership.class);
    }

    @Test
    void peersWithNofailoverDoNotBlockTheRace()
    {
        PeerStatus ahead = new PeerStatus("node2", true, false, OptionalLong.of(500), 0, true);
        assertThat(decide(cluster().initialize("42"), replica(100), ahead)).isInstanceOf(AcquireLeadership.class);
    }

    @Test
    void replicaLaggingBeyondMaximumLagDoesNotRace()
    {
        assertThat(decide(cluster().initialize("42").optime(100 + 2 * 1048576), replica(100))).isInstanceOf(Follow.class);
    }

    @Test
    void replicaWithUnknownPositionDoesNotRace()
    {
        assertThat(decide(cluster().initialize("42"), replica(100).wal(OptionalLong.empty()))).isInstanceOf(Follow.class);
    }

    @Test
    void nofailoverReplicaDoesNotRace()
    {
        HaSettings settings = new HaSettings(ME, Duration.ofSeconds(4), Duration.ofSeconds(1), Duration.ofMillis(1500), 1048576, Duration.ofSeconds(30), true, 0, true, false);
        assertThat(HaDecider.decide(cluster().initialize("42").view(), replica(100).state(), settings, Map.of())).isInstanceOf(Follow.class);
    }

    @Test
    void requestedCandidateRacesEvenWhenBehind()
    {
        assertThat(decide(cluster().initialize("42").failover(null, ME), replica(100), peer("node2", false, 200))).isInstanceOf(AcquireLeadership.class);
    }

    @Test
    void othersStandAsideForHealthyRequestedCandidate()
    {
        assertThat(decide(cluster().initialize("42").failover(null, "node2"), replica(300), peer("node2", false, 100))).isInstanceOf(Follow.class);
    }

    @Test
    void othersRaceWhenRequestedCandidateIsUnreachable()
    {
        assertThat(decide(cluster().initialize("42").failover(null, "node2"), replica(300), PeerStatus.unreachable("node2"))).isInstanceOf(AcquireLeadership.class);
    }

    @Test
    void primaryThatLostKeyRacesToKeepIt()
    {
        assertThat(decide(cluster().initialize("42"), primary(300), peer("node2", false, 100))).isInstanceOf(AcquireLeadership.class);
    }

    @Test
    void primaryThatLostKeyAndIsBehindDemotes()
    {
        assertThat(decide(cluster().initialize("42"), primary(100), peer("node2", false, 300))).isInstanceOf(Demote.class);
    }

    @Test
    void primaryOnOlderTimelineThanClusterDemotes()
    {
        Builder cluster = cluster().initialize("42").history(new TimelineHistory.Entry(1, 50, "promoted", Optional.empty(), Optional.of("node2")));
        assertThat(decide(cluster, primary(300).timeline(1))).isInstanceOf(Demote.class);
    }

    @Test
    void leaderHandsOverOnSwitchoverRequest()
    {
        assertThat(decide(cluster().initialize("42").leader(ME).failover(ME, "node2"), primary(100), peer("node2", false, 100)))
                .isInstanceOfSatisfying(ReleaseLeadership.class, release -> assertThat(release.stopFirst()).isTrue());
    }

    @Test
    void leaderIgnoresSwitchoverToUnreachableCandidate()
    {
        assertThat(decide(cluster().initialize("42").leader(ME).failover(ME, "node2"), primary(100), PeerStatus.unreachable("node2")))
                .isInstanceOf(LeadCluster.class);
    }

    @Test
    void scheduledSwitchoverWaits()
    {
        Builder cluster = cluster().initialize("42").leader(ME);
        cluster.failover = Optional.of(new FailoverRequest(Optional.of(ME), Optional.of("node2"), Optional.of(OffsetDateTime.now().plusHours(1)), 1));
        assertThat(decide(cluster, primary(100), peer("node2", false, 100))).isInstanceOf(LeadCluster.class);
    }

    @Test
    void pausedClusterChangesNothing()
    {
        assertThat(decide(cluster().initialize("42").paused(), replica(100))).isInstanceOf(Wait.class);
    }

    @Test
    void pausedLeaderKeepsRenewing()
    {
        assertThat(decide(cluster().initialize("42").leader(ME).paused(), primary(100)))
                .isInstanceOfSatisfying(LeadCluster.class, lead -> assertThat(lead.promote()).isFalse());
    }

    @Test
    void primaryDemotesWhenStoreIsUnreachable()
    {
        assertThat(HaDecider.decideWithoutStore(primary(100).state())).isInstanceOf(Demote.class);
    }

    @Test
    void replicaWaitsWhenStoreIsUnreachable()
    {
        assertThat(HaDecider.decideWithoutStore(replica(100).state())).isInstanceOf(Wait.class);
    }

    private static HaAction decide(Builder cluster, LocalBuilder local, PeerStatus... peers)
    {
        Map<String, PeerStatus> byName = new HashMap<>();
        for (PeerStatus peer : peers) {
            byName.put(peer.name(), peer);
        }
        return HaDecider.decide(cluster.view(), local.state(), SETTINGS, byName);
    }

    private static PeerStatus peer(String name, boolean primary, long wal)
    {
        return new PeerStatus(name, true, primary, OptionalLong.of(wal), 1, false);
    }

    private static Builder cluster()
    {
        return new Builder();
    }

    private static LocalBuilder empty()
    {
        return new LocalBuilder(DataDirectory.EMPTY, Running.STOPPED, Role.UNKNOWN, OptionalLong.empty());
    }

    private static LocalBuilder primary(long wal)
    {
        return new LocalBuilder(DataDirectory.INITIALIZED, Running.RUNNING, Role.PRIMARY, OptionalLong.of(wal));
    }

    private static LocalBuilder replica(long wal)
    {
        return new LocalBuilder(DataDirectory.INITIALIZED, Running.RUNNING, Role.REPLICA, OptionalLong.of(wal));
    }

    private static final class Builder
    {
        private Optional<String> initialize = Optional.empty();
        private Optional<Leader> leader = Optional.empty();
        private final Map<String, Member> members = new HashMap<>();
        private long optime;
        private Optional<FailoverRequest> failover = Optional.empty();
        private TimelineHistory history = TimelineHistory.EMPTY;
        private Optional<ObjectNode> config = Optional.empty();

        Builder initialize(String id)
        {
            initialize = Optional.of(id);
            return this;
        }

        Builder leader(String name)
        {
            leader = Optional.of(new Leader(name, 7, 1));
            return this;
        }

        Builder member(String name, String state)
        {
            return member(name, state, Map.of());
        }

        Builder member(String name, String state, Map<String, Object> tags)
        {
            members.put(name, new Member(name, "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", state, "replica", "4.1.4",
                    OptionalLong.of(100), OptionalInt.of(1), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), tags, Map.of()));
            return this;
        }

        Builder optime(long value)
        {
            optime = value;
            return this;
        }

        Builder failover(String leader, String candidate)
        {
            failover = Optional.of(new FailoverRequest(Optional.ofNullable(leader), Optional.ofNullable(candidate), Optional.empty(), 1));
            return this;
        }

        Builder history(TimelineHistory.Entry... entries)
        {
            history = new TimelineHistory(List.of(entries));
            return this;
        }

        Builder paused()
        {
            config = PatroniCodec.parseConfig("{\"pause\":true}");
            return this;
        }

        ClusterView view()
        {
            return new ClusterView(initialize, config, 0, leader, members, new ClusterStatus(optime, Map.of(), List.of()), failover, SyncState.EMPTY, history, 1);
        }
    }

    private static final class LocalBuilder
    {
        private final DataDirectory dataDirectory;
        private Running running;
        private final Role role;
        private OptionalLong wal;
        private boolean task;
        private Optional<Duration> crashedFor = Optional.empty();
        private String sysid = "42";
        private int timeline = 1;

        LocalBuilder(DataDirectory dataDirectory, Running running, Role role, OptionalLong wal)
        {
            this.dataDirectory = dataDirectory;
            this.running = running;
            this.role = role;
            this.wal = wal;
        }

        LocalBuilder running(Running value)
        {
            running = value;
            return this;
        }

        LocalBuilder wal(OptionalLong value)
        {
            wal = value;
            return this;
        }

        LocalBuilder task()
        {
            task = true;
            return this;
        }

        LocalBuilder crashedFor(Duration value)
        {
            crashedFor = Optional.of(value);
            return this;
        }

        LocalBuilder sysid(String value)
        {
            sysid = value;
            return this;
        }

        LocalBuilder timeline(int value)
        {
            timeline = value;
            return this;
        }

        LocalState state()
        {
            boolean hasData = dataDirectory == DataDirectory.INITIALIZED;
            return new LocalState(dataDirectory, running, role, wal, hasData ? OptionalInt.of(timeline) : OptionalInt.empty(),
                    hasData ? Optional.of(sysid) : Optional.empty(), task, crashedFor);
        }
    }
}
