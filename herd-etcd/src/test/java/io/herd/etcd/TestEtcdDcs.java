package io.herd.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.Client;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.PatroniCodec;
import io.herd.core.cluster.SyncState;
import io.herd.core.dcs.DcsChange;
import io.herd.core.dcs.DcsKeys;
import io.herd.testing.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.herd.etcd.EtcdTestSupport.dcs;
import static io.herd.etcd.EtcdTestSupport.freshKeys;
import static io.herd.etcd.EtcdTestSupport.putRaw;
import static io.herd.etcd.EtcdTestSupport.rawClient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class TestEtcdDcs
{
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Duration SHORT_TTL = Duration.ofSeconds(2);

    private static EtcdServer etcd;
    private static Client raw;

    private final List<EtcdDcs> opened = new ArrayList<>();
    private final DcsKeys keys = freshKeys();

    @BeforeAll
    static void startEtcd()
    {
        etcd = EtcdServer.launch();
        raw = rawClient(etcd);
    }

    @AfterAll
    static void stopEtcd()
    {
        if (raw != null) {
            raw.close();
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    @AfterEach
    void closeAll()
    {
        opened.forEach(EtcdDcs::close);
    }

    private EtcdDcs member(String name, Duration ttl)
    {
        EtcdDcs dcs = dcs(etcd, keys, name, ttl);
        opened.add(dcs);
        return dcs;
    }

    @Test
    void acquireSucceedsOnceAndSecondMemberFails()
    {
        EtcdDcs a = member("a", TTL);
        EtcdDcs b = member("b", TTL);

        assertThat(a.acquireLeader()).isTrue();
        assertThat(b.acquireLeader()).isFalse();
        assertThat(a.acquireLeader()).isFalse();

        ClusterView view = b.readFresh();
        assertThat(view.leaderName()).contains("a");
        assertThat(view.leader().orElseThrow().lease()).isNotZero();
    }

    @Test
    void renewKeepsTheKeyBeyondTheTtl()
    {
        EtcdDcs a = member("a", SHORT_TTL);
        assertThat(a.acquireLeader()).isTrue();
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end) {
            assertThat(a.renewLeader()).isTrue();
            sleep(500);
        }
        assertThat(a.readFresh().leaderName()).contains("a");
    }

    @Test
    void memberWhoseLeaseExpiresLosesTheKey()
    {
        EtcdDcs a = member("a", SHORT_TTL);
        EtcdDcs b = member("b", TTL);
        assertThat(a.acquireLeader()).isTrue();
        a.touchMember(member("a"));

        // a stops renewing: etcd drops both keys bound to its lease
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            ClusterView view = b.clusterView();
            assertThat(view.leader()).isEmpty();
            assertThat(view.members()).doesNotContainKey("a");
        });
        assertThat(b.acquireLeader()).isTrue();
        assertThat(a.renewLeader()).isFalse();
    }

    @Test
    void renewAfterTtlChangeMovesTheKeyToTheNewLease()
    {
        EtcdDcs a = member("a", TTL);
        assertThat(a.acquireLeader()).isTrue();
        long before = a.readFresh().leader().orElseThrow().lease();

        a.setTtl(Duration.ofSeconds(20));
        assertThat(a.renewLeader()).isTrue();

        long after = a.readFresh().leader().orElseThrow().lease();
        assertThat(after).isNotEqualTo(before).isNotZero();
        assertThat(a.readFresh().leaderName()).contains("a");
    }

    @Test
    void releaseDeletesOnlyOurOwnKey()
    {
        EtcdDcs a = member("a", TTL);
        EtcdDcs b = member("b", TTL);
        assertThat(a.acquireLeader()).isTrue();

        assertThat(b.releaseLeader()).isFalse();
        assertThat(b.readFresh().leaderName()).contains("a");

        assertThat(a.releaseLeader()).isTrue();
        assertThat(b.readFresh().leader()).isEmpty();
    }

    @Test
    void watchDeliversLeaderChangeToListeners()
            throws Exception
    {
        EtcdDcs a = member("a", TTL);
        EtcdDcs b = member("b", TTL);
        List<DcsChange> changes = new CopyOnWriteArrayList<>();
        AutoCloseable subscription = b.addListener(changes::add);
        await().atMost(Duration.ofSeconds(10)).until(b::cacheInSync);

        assertThat(a.acquireLeader()).isTrue();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(changes).anyMatch(c -> !c.resync() && c.keys().contains("leader")));
        assertThat(b.clusterView().leaderName()).contains("a");
        subscription.close();
    }

    @Test
    void listenerThatThrowsDoesNotStopTheWatch()
            throws Exception
    {
        EtcdDcs a = member("a", TTL);
        EtcdDcs b = member("b", TTL);
        List<DcsChange> changes = new CopyOnWriteArrayList<>();
        b.addListener(change -> {
            throw new IllegalStateException("listener bug");
        });
        b.addListener(changes::add);
        a.setInitialize("123");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(changes).anyMatch(c -> c.touches("initialize")));
        a.writeStatus(new io.herd.core.cluster.ClusterStatus(42, java.util.Map.of(), List.of()));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(b.clusterView().status().optime()).isEqualTo(42));
    }

    @Test
    void configCompareAndSwapWithStaleRevisionFails()
    {
        EtcdDcs a = member("a", TTL);
        ObjectNode first = PatroniCodec.JSON.createObjectNode().put("ttl", 30);
        assertThat(a.writeConfig(first, OptionalLong.of(0))).isTrue();
        assertThat(a.writeConfig(first, OptionalLong.of(0))).as("must not exist any more").isFalse();

        long revision = a.readFresh().configRevision();
        assertThat(a.writeConfig(PatroniCodec.JSON.createObjectNode().put("ttl", 40), OptionalLong.of(revision))).isTrue();
        assertThat(a.writeConfig(PatroniCodec.JSON.createObjectNode().put("ttl", 50), OptionalLong.of(revision))).isFalse();

        ClusterView view = a.readFresh();
        assertThat(view.config().orElseThrow().get("ttl").asInt()).isEqualTo(40);
        assertThat(view.configRevision()).isGreaterThan(revision);
        assertThat(a.writeConfig(PatroniCodec.JSON.createObjectNode().put("ttl", 60), OptionalLong.empty())).isTrue();
    }

    @Test
    void syncAndFailoverCompareAndSwapOnModRevision()
    {
        EtcdDcs a = member("a", TTL);
        SyncState sync = new SyncState(Optional.of("a"), Set.of("b"), 0, 0);
        assertThat(a.writeSync(sync, OptionalLong.of(0))).isTrue();
        SyncState stored = a.readFresh().sync();
        assertThat(stored.leader()).contains("a");
        assertThat(stored.syncStandbys()).containsExactly("b");
        assertThat(a.deleteSync(OptionalLong.of(stored.modRevision() + 100))).isFalse();
        assertThat(a.deleteSync(OptionalLong.of(stored.modRevision()))).isTrue();
        assertThat(a.readFresh().sync().isEmpty()).isTrue();

        io.herd.core.cluster.FailoverRequest request = new io.herd.core.cluster.FailoverRequest(Optional.of("a"), Optional.of("b"), Optional.empty(), 0);
        assertThat(a.writeFailover(request, OptionalLong.empty())).isTrue();
        io.herd.core.cluster.FailoverRequest read = a.readFresh().failover().orElseThrow();
        assertThat(read.candidate()).contains("b");
        assertThat(a.writeFailover(new io.herd.core.cluster.FailoverRequest(Optional.empty(), Optional.empty(), Optional.empty(), 0),
                OptionalLong.of(read.modRevision()))).isTrue();
        assertThat(a.readFresh().pendingFailover()).isEmpty();
    }

    @Test
    void initializeRaceHasOneWinner()
    {
        EtcdDcs a = member("a", TTL);
        EtcdDcs b = member("b", TTL);
        assertThat(a.attemptInitialize()).isTrue();
        assertThat(b.attemptInitialize()).isFalse();
        assertThat(b.readFresh().initialize()).contains("");
        a.setInitialize("7268616322854375442");
        assertThat(b.readFresh().initialize()).contains("7268616322854375442");
        a.cancelInitialize();
        assertThat(b.readFresh().initialize()).isEmpty();
    }

    @Test
    void garbageInEveryKeyIsReadAsEmptyValues()
            throws Exception
    {
        String[] garbage = {"{not json", "\u0000\u0001", "[1,2"};
        for (String bad : garbage) {
            DcsKeys scope = freshKeys();
            for (String key : List.of(scope.config(), scope.leader(), scope.member("x"), scope.status(), scope.legacyOptime(),
                    scope.history(), scope.failover(), scope.sync(), scope.failsafe())) {
                putRaw(raw, key, bad);
            }
            putRaw(raw, scope.initialize(), bad);
            EtcdDcs reader = dcs(etcd, scope, "reader", TTL);
            opened.add(reader);
            for (ClusterView view : List.of(reader.readFresh(), awaitCachedView(reader))) {
                assertThat(view.config()).isEmpty();
                assertThat(view.configRevision()).isPositive();
                if (!bad.startsWith("{") && !bad.startsWith("[")) {
                    assertThat(view.leader()).isEmpty();
                }
                assertThat(view.members()).isEmpty();
                assertThat(view.status().optime()).isZero();
                assertThat(view.history().entries()).isEmpty();
                assertThat(view.pendingFailover()).isEmpty();
                assertThat(view.sync().isEmpty()).isTrue();
                assertThat(view.initialize()).contains(bad);
            }
        }
    }

    @Test
    void patroniMemberJsonRoundTrips()
            throws Exception
    {
        String patroni = "{\"conn_url\":\"postgres://10.0.0.2:5432/postgres\",\"api_url\":\"http://10.0.0.2:8008/patroni\","
                + "\"state\":\"running\",\"role\":\"replica\",\"version\":\"4.1.4\",\"xlog_location\":67395656,\"timeline\":1,"
                + "\"replication_state\":\"streaming\",\"receive_lsn\":67395656,\"replay_lsn\":67395600,"
                + "\"tags\":{\"nofailover\":true,\"zone\":\"b\"},\"pending_restart\":true}";
        putRaw(raw, keys.member("node2"), patroni);
        EtcdDcs reader = member("node2", TTL);

        Member parsed = awaitCachedView(reader).member("node2").orElseThrow();
        assertThat(parsed.role()).isEqualTo("replica");
        assertThat(parsed.xlogLocation()).hasValue(67395656);
        assertThat(parsed.replayLsn()).hasValue(67395600);
        assertThat(parsed.replicationState()).contains("streaming");
        assertThat(parsed.nofailover()).isTrue();
        assertThat(parsed.extra()).containsEntry("pending_restart", true);

        reader.touchMember(parsed);
        String written = raw.getKVClient().get(io.etcd.jetcd.ByteSequence.from(keys.member("node2"), java.nio.charset.StandardCharsets.UTF_8))
                .get(10, java.util.concurrent.TimeUnit.SECONDS).getKvs().get(0).getValue().toString(java.nio.charset.StandardCharsets.UTF_8);
        JsonNode expected = PatroniCodec.JSON.readTree(patroni);
        assertThat(PatroniCodec.JSON.readTree(written)).isEqualTo(expected);
        assertThat(reader.readFresh().member("node2")).contains(parsed);
    }

    @Test
    void statusFallsBackToLegacyOptimeWhenAbsent()
            throws Exception
    {
        putRaw(raw, keys.legacyOptime(), "67395656");
        EtcdDcs a = member("a", TTL);
        assertThat(a.readFresh().status().optime()).isEqualTo(67395656);

        a.writeStatus(new io.herd.core.cluster.ClusterStatus(70000000, java.util.Map.of("a", 69000000L), List.of("a")));
        io.herd.core.cluster.ClusterStatus status = a.readFresh().status();
        assertThat(status.optime()).isEqualTo(70000000);
        assertThat(status.slots()).containsEntry("a", 69000000L);
        assertThat(status.retainSlots()).containsExactly("a");
    }

    @Test
    void leaderCarriesLeaseAndModRevision()
    {
        EtcdDcs a = member("a", TTL);
        assertThat(a.acquireLeader()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(a.clusterView().leaderName()).contains("a"));
        io.herd.core.cluster.Leader cached = a.clusterView().leader().orElseThrow();
        io.herd.core.cluster.Leader fresh = a.readFresh().leader().orElseThrow();
        assertThat(cached).isEqualTo(fresh);
        assertThat(fresh.modRevision()).isPositive();
        assertThat(fresh.lease()).isNotZero();
    }

    @Test
    void deleteClusterRemovesEveryKey()
    {
        EtcdDcs a = member("a", TTL);
        a.acquireLeader();
        a.touchMember(member("a"));
        a.setInitialize("1");
        a.deleteCluster();
        ClusterView view = a.readFresh();
        assertThat(view.leader()).isEmpty();
        assertThat(view.members()).isEmpty();
        assertThat(view.initialize()).isEmpty();
    }

    private static ClusterView awaitCachedView(EtcdDcs dcs)
    {
        await().atMost(Duration.ofSeconds(10)).until(dcs::cacheInSync);
        return dcs.clusterView();
    }

    static Member member(String name)
    {
        return new Member(name, "postgres://127.0.0.1:5432/postgres", "http://127.0.0.1:8008/patroni", "running", "primary", "4.1.4",
                OptionalLong.of(100), java.util.OptionalInt.of(1), Optional.empty(), OptionalLong.empty(), OptionalLong.empty(),
                java.util.Map.of(), java.util.Map.of());
    }

    private static void sleep(long millis)
    {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
