package io.herd.proxy.routing;

import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.Member;
import io.herd.proxy.config.CheckSpec;
import io.herd.proxy.config.ListenerConfig;
import io.herd.proxy.config.ListenerRole;
import io.herd.proxy.health.CheckState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The routing decision as a pure function of what etcd says (when reachable), the health checks and the listeners.
 * With etcd the watch leads and the checks confirm; without it the checks alone decide, with rise/fall hysteresis.
 * It never fails open: the leader is at most one backend, and none whenever the sources disagree or nothing passes.
 */
public final class RoutingPolicy
{
    private RoutingPolicy() {}

    /**
     * @param backends by name, sorted for a stable round-robin order
     * @param etcd the cluster as etcd shows it, empty when etcd is not configured or unreachable
     */
    public static Routes decide(List<ListenerConfig> listeners, Map<String, Backend> backends, Optional<ClusterView> etcd, HealthView health, CheckSpec primaryCheck, int fall)
    {
        LeaderChoice choice = etcd.isPresent()
                ? leaderFromEtcd(etcd.get(), backends, health, primaryCheck, fall)
                : leaderFromChecks(backends, health, primaryCheck);
        Map<String, List<Backend>> byListener = new LinkedHashMap<>();
        for (ListenerConfig listener : listeners) {
            byListener.put(listener.name(), backendsFor(listener, choice.leader(), backends, etcd, health));
        }
        return new Routes(choice.leader(), choice.reason(), byListener);
    }

    private static LeaderChoice leaderFromEtcd(ClusterView view, Map<String, Backend> backends, HealthView health, CheckSpec check, int fall)
    {
        Optional<String> name = view.leaderName();
        if (name.isEmpty()) {
            return LeaderChoice.none("etcd has no leader key");
        }
        Backend leader = backends.get(name.get());
        if (leader == null) {
            return LeaderChoice.none("etcd leader " + name.get() + " has no usable conn_url/api_url");
        }
        CheckState state = health.state(leader.name(), check);
        if (!state.confirms(fall)) {
            return LeaderChoice.none("etcd leader " + name.get() + " does not pass " + check + " (last probe " + state.last() + ")");
        }
        List<String> others = backends.keySet().stream()
                .filter(other -> !other.equals(leader.name()) && health.state(other, check).lastPassed())
                .toList();
        if (!others.isEmpty()) {
            return LeaderChoice.none("etcd names " + leader.name() + " but " + others + " also pass " + check);
        }
        return new LeaderChoice(Optional.of(leader), "etcd leader " + leader.name() + " confirmed by " + check);
    }

    private static LeaderChoice leaderFromChecks(Map<String, Backend> backends, HealthView health, CheckSpec check)
    {
        List<Backend> up = backends.values().stream().filter(backend -> health.state(backend.name(), check).up()).toList();
        if (up.isEmpty()) {
            return LeaderChoice.none("no backend passes " + check + " (checks only)");
        }
        if (up.size() > 1) {
            return LeaderChoice.none("several backends pass " + check + ": " + up.stream().map(Backend::name).toList() + " (checks only)");
        }
        return new LeaderChoice(Optional.of(up.get(0)), up.get(0).name() + " is the only backend passing " + check + " (checks only)");
    }

    private static List<Backend> backendsFor(ListenerConfig listener, Optional<Backend> leader, Map<String, Backend> backends, Optional<ClusterView> etcd, HealthView health)
    {
        if (listener.role() == ListenerRole.PRIMARY) {
            return leader.map(List::of).orElse(List.of());
        }
        CheckSpec check = listener.replicaCheck().orElseThrow();
        List<Backend> replicas = backends.values().stream()
                .filter(backend -> leader.isEmpty() || !leader.get().name().equals(backend.name()))
                .filter(backend -> etcd.map(view -> replicaPerEtcd(view, backend.name(), listener)).orElse(true))
                .filter(backend -> health.state(backend.name(), check).up())
                .toList();
        List<Backend> result = new ArrayList<>();
        if (listener.role() == ListenerRole.ANY) {
            leader.ifPresent(result::add);
            result.addAll(replicas);
        }
        else if (!replicas.isEmpty()) {
            result.addAll(replicas);
        }
        else if (listener.fallbackToPrimary()) {
            leader.ifPresent(result::add);
        }
        return result;
    }

    /** What etcd knows about a replica: not the leader, running, not excluded by tag, not too far behind. Members etcd does not list are left to the checks. */
    private static boolean replicaPerEtcd(ClusterView view, String name, ListenerConfig listener)
    {
        if (view.isLeader(name)) {
            return false;
        }
        Optional<Member> found = view.member(name);
        if (found.isEmpty()) {
            return true;
        }
        Member member = found.get();
        if (!member.state().equals("running")) {
            return false;
        }
        if (listener.excludeNoloadbalance() && member.noloadbalance()) {
            return false;
        }
        if (listener.maxLagBytes().isPresent() && view.status().optime() > 0 && member.xlogLocation().isPresent()) {
            return view.status().optime() - member.xlogLocation().getAsLong() <= listener.maxLagBytes().getAsLong();
        }
        return true;
    }

    private record LeaderChoice(Optional<Backend> leader, String reason)
    {
        static LeaderChoice none(String reason)
        {
            return new LeaderChoice(Optional.empty(), reason);
        }
    }
}
