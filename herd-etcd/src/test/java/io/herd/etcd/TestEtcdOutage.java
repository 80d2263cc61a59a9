package io.herd.etcd;

import io.herd.core.cluster.ClusterStatus;
import io.herd.core.dcs.DcsChange;
import io.herd.core.dcs.DcsException;
import io.herd.core.dcs.DcsKeys;
import io.herd.testing.EtcdServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.herd.etcd.EtcdTestSupport.RETRY_TIMEOUT;
import static io.herd.etcd.EtcdTestSupport.dcs;
import static io.herd.etcd.EtcdTestSupport.freshKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(180)
class TestEtcdOutage
{
    /** retryTimeout plus slack for a loaded 2-core machine. */
    private static final Duration FAIL_WITHIN = RETRY_TIMEOUT.plusSeconds(5);

    @Test
    void operationsThrowWhileEtcdIsDownAndWorkAgainAfterItRestarts()
            throws Exception
    {
        DcsKeys keys = freshKeys();
        try (EtcdServer etcd = EtcdServer.launch();
                EtcdDcs a = dcs(etcd, keys, "a", Duration.ofSeconds(30))) {
            assertThat(a.acquireLeader()).isTrue();
            await().atMost(Duration.ofSeconds(10)).until(a::cacheInSync);
            List<DcsChange> changes = new CopyOnWriteArrayList<>();
            a.addListener(changes::add);

            etcd.kill();

            String endpoint = "127.0.0.1:" + etcd.clientPort();
            assertFailsQuickly(a::renewLeader, endpoint);
            await().atMost(Duration.ofSeconds(10)).until(() -> !a.cacheInSync());
            assertFailsQuickly(a::clusterView, endpoint);
            assertFailsQuickly(a::readFresh, endpoint);
            assertFailsQuickly(() -> a.writeStatus(new ClusterStatus(1, Map.of(), List.of())), endpoint);

            etcd.start();

            await().atMost(Duration.ofSeconds(60)).until(a::cacheInSync);
            assertThat(changes).anyMatch(DcsChange::resync);
            assertThat(a.renewLeader()).isTrue();
            assertThat(a.clusterView().leaderName()).contains("a");
            a.writeStatus(new ClusterStatus(7, Map.of(), List.of()));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(a.clusterView().status().optime()).isEqualTo(7));
        }
    }

    @Test
    void startsWithoutEtcdAndSyncsWhenItAppears()
    {
        DcsKeys keys = freshKeys();
        try (EtcdServer etcd = EtcdServer.launch()) {
            etcd.kill();
            try (EtcdDcs a = dcs(etcd, keys, "a", Duration.ofSeconds(30))) {
                assertFailsQuickly(a::clusterView, "127.0.0.1:" + etcd.clientPort());
                etcd.start();
                await().atMost(Duration.ofSeconds(60)).until(a::cacheInSync);
                assertThat(a.acquireLeader()).isTrue();
            }
        }
    }

    private static void assertFailsQuickly(Executable operation, String endpoint)
    {
        long start = System.nanoTime();
        assertThatThrownBy(operation::execute)
                .isInstanceOf(DcsException.class)
                .hasMessageContaining(endpoint);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_WITHIN);
    }
}
