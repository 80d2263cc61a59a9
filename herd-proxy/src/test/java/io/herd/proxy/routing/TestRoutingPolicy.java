package io.herd.proxy.routing;

import io.herd.core.cluster.ClusterStatus;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.HostPort;
import io.herd.core.cluster.Leader;
import io.herd.core.cluster.Member;
import io.herd.proxy.config.CheckSpec;
import io.herd.proxy.config.ListenerConfig;
import io.herd.proxy.config.ListenerRole;
import io.herd.proxy.health.CheckState;
import io.herd.proxy.health.ProbeResult;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class TestRoutingPolicy
{
    private static final CheckSpec PRIMARY = new CheckSpec("OPTIONS", "/primary");
    private static final CheckSpec REPLICA = new CheckSpec("OPTIONS", "/replica");
    private static final int FALL = 3;
    private static final ListenerConfig RW = new ListenerConfig("rw", new HostPort("127.0.0.1", 5000), ListenerRole.PRIMARY, OptionalLong.empty(), true, false,
            Optional.empty(), Duration.ofSeconds(1), Duration.ofSeconds(1));
    private static final ListenerConfig RO = new ListenerConfig("ro", new HostPort("127.0.0.1", 5001), ListenerRole.REPLICAS, OptionalLong.of(1000), true, true,
            Optional.of(REPLICA), Duration.ofSeconds(1), Duration.ofSeconds(1));
    private static final ListenerConfig ANY = new ListenerConfig("any", new HostPort("127.0.0.1", 5002), ListenerRole.ANY, OptionalLong.empty(), true, false,
            Optional.of(REPLICA), Duration.ofSeconds(1), Duration.ofSeconds(1));

    private final Map<String, Backend> backends = new TreeMap<>(Map.of("a", backend("a"), "b", backend("b"), "c", backend("c")));
    private final Map<String, Map<CheckSpec, CheckState>> health = new HashMap<>();

    @Test
    void etcdLeaderConfirmedByItsCheckIsTheOnlyPrimaryRoute()
    {
        passes("a", PRIMARY);
        Routes routes = decide(Optional.of(view("a")));
        assertThat(routes.leaderName()).contains("a");
        assertThat(routes.backends("rw")).containsExactly(backends.get("a"));
    }

    @Test
    void etcdLeaderWhoseCheckFailsGetsNoTraffic()
    {
        fails("a", PRIMARY);
        assertThat(decide(Optional.of(view("a"))).leader()).isEmpty();
    }

    @Test
    void etcdLeaderAndAnotherPassingBackendDisagreeSoNoBackendIsUsed()
    {
        passes("a", PRIMARY);
        passes("b", PRIMARY);
        Routes routes = decide(Optional.of(view("a")));
        assertThat(routes.leader()).isEmpty();
        assertThat(routes.reason()).contains("also pass");
    }

    @Test
    void noLeaderKeyMeansNoPrimaryEvenWhenACheckPasses()
    {
        up("a", PRIMARY);
        assertThat(decide(Optional.of(view(null))).leader()).isEmpty();
    }

    @Test
    void withoutEtcdTheOnlyBackendUpOnItsCheckIsThePrimary()
    {
        up("b", PRIMARY);
        passes("a", PRIMARY); // one pass is not enough without etcd: rise applies
        assertThat(decide(Optional.empty()).leaderName()).contains("b");
    }

    @Test
    void withoutEtcdTwoBackendsUpOnThePrimaryCheckMeansNoPrimary()
    {
        up("a", PRIMARY);
        up("b", PRIMARY);
        assertThat(decide(Optional.empty()).leader()).isEmpty();
    }

    @Test
    void replicasListenerSkipsTheLeaderNoloadbalanceAndLaggingMembers()
    {
        passes("a", PRIMARY);
        up("a", REPLICA);
        up("b", REPLICA);
        up("c", REPLICA);
        ClusterView view = view("a", member("b", 1_000_000 - 500, Map.of()), member("c", 1_000_000 - 5000, Map.of()));
        assertThat(decide(Optional.of(view)).backends("ro")).extracting(Backend::name).containsExactly("b");

        view = view("a", member("b", 1_000_000, Map.of("noloadbalance", true)), member("c", 1_000_000, Map.of()));
        assertThat(decide(Optional.of(view)).backends("ro")).extracting(Backend::name).containsExactly("c");
    }

    @Test
    void replicasListenerFallsBackToThePrimaryWhenNoReplicaQualifies()
    {
        passes("a", PRIMARY);
        Routes routes = decide(Optional.of(view("a")));
        assertThat(routes.backends("ro")).extracting(Backend::name).containsExactly("a");
        assertThat(routes.backends("any")).extracting(Backend::name).containsExactly("a");
    }

    @Test
    void anyListenerUsesLeaderAndReplicas()
    {
        passes("a", PRIMARY);
        up("b", REPLICA);
        assertThat(decide(Optional.of(view("a"))).backends("any")).extracting(Backend::name).containsExactly("a", "b");
    }

    private Routes decide(Optional<ClusterView> view)
    {
        return RoutingPolicy.decide(List.of(RW, RO, ANY), backends, view, new HealthView(health), PRIMARY, FALL);
    }

    private void passes(String backend, CheckSpec check)
    {
        health.computeIfAbsent(backend, b -> new HashMap<>()).put(check, CheckState.UNKNOWN.record(ProbeResult.PASS, 2, FALL));
    }

    private void fails(String backend, CheckSpec check)
    {
        health.computeIfAbsent(backend, b -> new HashMap<>()).put(check, CheckState.UNKNOWN.record(ProbeResult.FAIL, 2, FALL));
    }

    private void up(String backend, CheckSpec check)
    {
        health.computeIfAbsent(backend, b -> new HashMap<>()).put(check, CheckState.UNKNOWN.record(ProbeResult.PASS, 2, FALL).record(ProbeResult.PASS, 2, FALL));
    }

    private static Backend backend(String name)
    {
        return new Backend(name, new HostPort("10.0.0." + name.charAt(0), 5432), URI.create("http://10.0.0." + name.charAt(0) + ":8008"));
    }

    private static ClusterView view(String leader, Member... members)
    {
        Map<String, Member> byName = new HashMap<>();
        for (Member member : members) {
            byName.put(member.name(), member);
        }
        return new ClusterView(Optional.of("1"), Optional.empty(), 0, Optional.ofNullable(leader).map(name -> new Leader(name, 1, 1)), byName,
                new ClusterStatus(1_000_000, Map.of(), List.of()), Optional.empty(), ClusterView.EMPTY.sync(), ClusterView.EMPTY.history(), 1);
    }

    private static Member member(String name, long xlog, Map<String, Object> tags)
    {
        return new Member(name, "postgres://10.0.0.1:5432/postgres", "http://10.0.0.1:8008/patroni", "running", "replica", "4.1.4", OptionalLong.of(xlog),
                OptionalInt.of(1), Optional.of("streaming"), OptionalLong.empty(), OptionalLong.empty(), tags, Map.of());
    }
}
