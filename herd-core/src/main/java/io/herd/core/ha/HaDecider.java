package io.herd.core.ha;

import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.FailoverRequest;
import io.herd.core.cluster.Member;
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

import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The HA decision: a pure function of the cluster as the store shows it, this node's PostgreSQL, the other
 * members' answers and the configuration. No clock, no I/O: everything time-dependent arrives in the inputs.
 *
 * <p>Safety comes first in every branch: a node runs as primary only while it holds the leader key, and a node
 * takes the key only when no reachable member is a live primary or ahead of it.
 */
public final class HaDecider
{
    private HaDecider() {}

    /** The store could not be read: a primary stops taking writes, everyone else waits. */
    public static HaAction decideWithoutStore(LocalState local)
    {
        requireNonNull(local, "local is null");
        if (local.isRunningPrimary() || (local.role() == LocalState.Role.PRIMARY && local.running() == LocalState.Running.STARTING)) {
            return new Demote(Optional.empty(), "the store is unreachable: cannot prove leadership, demoting");
        }
        return new Wait("the store is unreachable");
    }

    /**
     * @param peers what the other members answered on their REST API; only consulted in a leader race or a
     * switchover, so callers fetch it only when the leader key is free or a switchover is pending
     */
    public static HaAction decide(ClusterView view, LocalState local, HaSettings settings, Map<String, PeerStatus> peers)
    {
        requireNonNull(view, "view is null");
        requireNonNull(local, "local is null");
        requireNonNull(settings, "settings is null");
        requireNonNull(peers, "peers is null");
        String me = settings.name();
        boolean iAmLeader = view.isLeader(me);

        if (view.paused()) {
            // maintenance mode: the agent keeps the key fresh but changes nothing in PostgreSQL
            if (iAmLeader && local.isRunningPrimary()) {
                return new LeadCluster(false, false, "maintenance mode: holding the leader key");
            }
            return new Wait("maintenance mode");
        }

        if (local.taskInProgress()) {
            // never let a long task (clone, promote, restart) starve the lease
            return iAmLeader ? new LeadCluster(false, false, "renewing while a task runs") : new Wait("a task is in progress");
        }

        if (local.dataDirectory() == LocalState.DataDirectory.EMPTY) {
            return decideWithoutData(view, settings, iAmLeader);
        }

        Optional<String> clusterId = view.initialize().filter(id -> !id.isEmpty());
        if (clusterId.isPresent() && local.systemIdentifier().isPresent() && !clusterId.get().equals(local.systemIdentifier().get())) {
            return new Fail("system identifier mismatch: the cluster is " + clusterId.get() + " but the data directory belongs to "
                    + local.systemIdentifier().get() + "; refusing to touch it");
        }
        if (view.initialize().isEmpty() && view.leader().isEmpty() && local.systemIdentifier().isPresent()
                && !(local.isRunning() && local.role() == LocalState.Role.REPLICA)) {
            return new AdoptCluster(local.systemIdentifier().get(), "data exist but the cluster is not initialized in the store");
        }

        if (iAmLeader) {
            return decideAsLeader(view, local, settings, peers);
        }
        Optional<String> otherLeader = view.leaderName();
        if (otherLeader.isPresent()) {
            Optional<Member> leader = view.leaderMember();
            if (local.role() == LocalState.Role.PRIMARY && local.running() != LocalState.Running.STOPPED && local.running() != LocalState.Running.CRASHED) {
                return new Demote(leader, otherLeader.get() + " holds the leader key");
            }
            return new Follow(leader, "following " + otherLeader.get());
        }
        return decideRace(view, local, settings, peers);
    }

    private static HaAction decideWithoutData(ClusterView view, HaSettings settings, boolean iAmLeader)
    {
        if (iAmLeader) {
            return new ReleaseLeadership(false, "holding the leader key without a data directory");
        }
        if (view.initialize().isEmpty() && view.leader().isEmpty()) {
            if (settings.canBootstrap() && !settings.nofailover()) {
                return new BootstrapCluster("no cluster yet");
            }
            return new Wait("waiting for another member to bootstrap the cluster");
        }
        Optional<Member> leader = view.leaderMember().filter(m -> !m.name().equals(settings.name()));
        if (leader.isEmpty()) {
            if (settings.canCloneWithoutLeader() && view.initialize().filter(id -> !id.isEmpty()).isPresent()) {
                return new CloneReplica(Optional.empty(), "no leader: creating a replica from backups");
            }
            return new Wait("waiting for a leader to clone from");
        }
        Optional<Member> cloneSource = view.members().values().stream()
                .filter(m -> !m.name().equals(settings.name()) && m.clonefrom() && m.state().equals("running"))
                .findFirst();
        Member source = cloneSource.orElse(leader.get());
        return new CloneReplica(Optional.of(source), "creating a replica from " + source.name());
    }

    private static HaAction decideAsLeader(ClusterView view, LocalState local, HaSettings settings, Map<String, PeerStatus> peers)
    {
        switch (local.running()) {
            case STOPPED, CRASHED -> {
                boolean timedOut = local.crashedFor().map(d -> d.compareTo(settings.primaryStartTimeout()) >= 0).orElse(false);
                if (timedOut && failoverPossible(peers, Optional.empty())) {
                    return new ReleaseLeadership(false, "PostgreSQL did not come back within primary_start_timeout");
                }
                if (local.role() == LocalState.Role.REPLICA) {
                    // we hold the key but our data are a replica's: start and promote
                    return new LeadCluster(true, true, "starting and promoting: we hold the leader key");
                }
                return new LeadCluster(false, true, "restarting PostgreSQL as primary: we hold the leader key");
            }
            case STARTING -> {
                return new LeadCluster(false, false, "waiting for PostgreSQL to start");
            }
            case RUNNING -> {
                Optional<FailoverRequest> request = view.pendingFailover();
                if (request.isPresent() && request.get().leader().map(l -> l.equals(settings.name())).orElse(false)
                        && request.get().scheduledAt().isEmpty()
                        && !request.get().candidate().map(c -> c.equals(settings.name())).orElse(false)
                        && failoverPossible(peers, request.get().candidate())) {
                    return new ReleaseLeadership(true, "switchover requested" + request.get().candidate().map(c -> " to " + c).orElse(""));
                }
                if (local.role() == LocalState.Role.REPLICA) {
                    return new LeadCluster(true, false, "promoting: we hold the leader key");
                }
                return new LeadCluster(false, false, "holding the leader key");
            }
        }
        throw new IllegalStateException("unknown state " + local.running());
    }

    private static HaAction decideRace(ClusterView view, LocalState local, HaSettings settings, Map<String, PeerStatus> peers)
    {
        if (local.running() == LocalState.Running.STARTING) {
            return new Wait("no leader: waiting for PostgreSQL to start before racing");
        }
        if (!local.isRunning()) {
            // never race with a position we cannot read: come up read-only first
            return new Follow(Optional.empty(), "no leader: starting read-only before racing");
        }
        if (settings.nofailover()) {
            return standAside(local, "no leader, but this member is tagged nofailover");
        }

        Optional<FailoverRequest> request = view.pendingFailover();
        if (request.isPresent() && request.get().candidate().isPresent()) {
            String candidate = request.get().candidate().get();
            if (candidate.equals(settings.name())) {
                return new AcquireLeadership("a failover to this member was requested");
            }
            PeerStatus status = peers.get(candidate);
            if (status != null && status.reachable() && !status.nofailover()) {
                return standAside(local, "failover to " + candidate + " was requested");
            }
        }

        if (local.walPosition().isEmpty()) {
            return standAside(local, "no leader, but our WAL position is unknown");
        }
        long myPosition = local.walPosition().getAsLong();
        long optime = view.status().optime();
        if (optime > 0 && optime - myPosition > settings.maximumLagOnFailover()) {
            return standAside(local, "no leader, but we lag " + (optime - myPosition) + " bytes behind the last known leader position (maximum_lag_on_failover "
                    + settings.maximumLagOnFailover() + ")");
        }
        int clusterTimeline = view.history().currentTimeline();
        if (local.isRunningPrimary() && local.timeline().isPresent() && local.timeline().getAsInt() < clusterTimeline) {
            return new Demote(Optional.empty(), "running as primary on timeline " + local.timeline().getAsInt() + " older than the cluster's " + clusterTimeline);
        }

        int myPriority = settings.failoverPriority();
        for (PeerStatus peer : peers.values()) {
            if (peer.name().equals(settings.name()) || !peer.reachable()) {
                continue;
            }
            if (peer.primary()) {
                return standAside(local, "no leader key, but " + peer.name() + " still runs as primary");
            }
            if (peer.nofailover() || peer.walPosition().isEmpty()) {
                continue;
            }
            long theirs = peer.walPosition().getAsLong();
            if (theirs > myPosition) {
                return standAside(local, peer.name() + " is ahead (" + theirs + " > " + myPosition + ")");
            }
            if (theirs == myPosition && peer.failoverPriority() > myPriority) {
                return standAside(local, peer.name() + " is as far and has a higher failover_priority");
            }
        }
        return new AcquireLeadership("no leader and this member is the healthiest");
    }

    /** A running primary that may not lead must demote; a replica just keeps waiting. */
    private static HaAction standAside(LocalState local, String reason)
    {
        if (local.isRunningPrimary()) {
            return new Demote(Optional.empty(), reason);
        }
        return new Follow(Optional.empty(), reason);
    }

    private static boolean failoverPossible(Map<String, PeerStatus> peers, Optional<String> candidate)
    {
        return peers.values().stream()
                .filter(p -> candidate.map(c -> c.equals(p.name())).orElse(true))
                .anyMatch(p -> p.reachable() && !p.nofailover() && !p.primary());
    }
}
