package io.herd.proxy;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.herd.proxy.FakePatroniNode.Mode;
import io.herd.proxy.config.ProxyConfig;
import io.herd.proxy.config.ProxyConfigParser;
import io.herd.testing.EtcdServer;
import io.herd.testing.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The proxy in front of three real PostgreSQL servers, each behind a real Patroni-compatible REST endpoint whose
 * answers the test flips, with the cluster published in a real etcd the way agents publish it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TestProxyRouting
{
    private static final long OPTIME = 1_000_000_000L;
    private static final AtomicInteger SCOPES = new AtomicInteger();

    private EtcdServer etcd;
    private Client client;
    private final List<TestPostgres> servers = new ArrayList<>();
    private FakePatroniNode n1;
    private FakePatroniNode n2;
    private FakePatroniNode n3;

    @BeforeAll
    void startCluster()
    {
        etcd = EtcdServer.launch();
        client = Client.builder().endpoints(etcd.endpoint()).build();
        for (String name : List.of("n1", "n2", "n3")) {
            servers.add(new TestPostgres(name));
        }
        n1 = new FakePatroniNode("n1", servers.get(0));
        n2 = new FakePatroniNode("n2", servers.get(1));
        n3 = new FakePatroniNode("n3", servers.get(2));
    }

    @AfterAll
    void stopCluster()
    {
        for (AutoCloseable closeable : new AutoCloseable[] {n1, n2, n3, client, etcd}) {
            closeQuietly(closeable);
        }
        servers.forEach(TestProxyRouting::closeQuietly);
    }

    @BeforeEach
    void resetNodes()
    {
        n1.mode(Mode.PRIMARY).lag(0).tags(Map.of()).stalled(false);
        n2.mode(Mode.REPLICA).lag(0).tags(Map.of());
        n3.mode(Mode.REPLICA).lag(0).tags(Map.of());
    }

    @Test
    void routesToTheLeader()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitLeader(proxy, "n1");
            try (Connection connection = TestPostgres.connect(proxy.port("rw"))) {
                assertThat(TestPostgres.serverPort(connection)).isEqualTo(n1.pgPort());
            }
        }
    }

    @Test
    void afterLeaderChangeNewConnectionsReachTheNewLeaderAndOldOnesAreClosed()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitLeader(proxy, "n1");
            try (Connection old = TestPostgres.connect(proxy.port("rw"))) {
                assertThat(TestPostgres.serverPort(old)).isEqualTo(n1.pgPort());

                // as a failover goes: the old leader demotes, the new one promotes and takes the key
                n1.mode(Mode.REPLICA);
                n2.mode(Mode.PRIMARY);
                long written = System.nanoTime();
                put(scope, "leader", "n2");
                await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(1)).until(() -> proxy.routes().leaderName().filter("n2"::equals).isPresent());
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - written);
                System.out.println("leader change seen by the proxy " + millis + " ms after the leader key was written");

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> TestPostgres.serverPort(old)).isInstanceOf(SQLException.class));
            }
            try (Connection fresh = TestPostgres.connect(proxy.port("rw"))) {
                assertThat(TestPostgres.serverPort(fresh)).isEqualTo(n2.pgPort());
            }
        }
    }

    @Test
    void leaderKeyMovesAreFollowedWithinMilliseconds()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitLeader(proxy, "n1");
            List<Long> seen = new ArrayList<>();
            List<Long> routed = new ArrayList<>();
            FakePatroniNode from = n1;
            FakePatroniNode to = n2;
            for (int i = 0; i < 10; i++) {
                String old = from.name();
                from.mode(Mode.REPLICA);
                to.mode(Mode.PRIMARY);
                long written = System.nanoTime();
                put(scope, "leader", to.name());
                long deadline = written + TimeUnit.SECONDS.toNanos(10);
                long seenAt = 0;
                while (System.nanoTime() < deadline) {
                    var leader = proxy.routes().leaderName();
                    if (seenAt == 0 && !leader.equals(java.util.Optional.of(old))) {
                        seenAt = System.nanoTime();
                    }
                    if (leader.equals(java.util.Optional.of(to.name()))) {
                        break;
                    }
                    Thread.sleep(0, 200_000);
                }
                long routedAt = System.nanoTime();
                assertThat(proxy.routes().leaderName()).contains(to.name());
                seen.add(TimeUnit.NANOSECONDS.toMicros(seenAt - written));
                routed.add(TimeUnit.NANOSECONDS.toMicros(routedAt - written));
                FakePatroniNode swap = from;
                from = to;
                to = swap;
                Thread.sleep(300);
            }
            seen.sort(null);
            routed.sort(null);
            System.out.println("leader key written -> old leader unrouted (us): " + seen + "; -> new leader routed (us): " + routed);
            // loose bound: this machine is shared; the figure to report is the printed distribution
            assertThat(routed.get(routed.size() / 2)).isLessThan(1_000_000L);
        }
    }

    @Test
    void leaderWhoseApiStallsIsUnroutedAndItsConnectionsClosed()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "1s"))) {
            awaitLeader(proxy, "n1");
            try (Connection old = TestPostgres.connect(proxy.port("rw"))) {
                assertThat(TestPostgres.serverPort(old)).isEqualTo(n1.pgPort());
                n1.stalled(true);
                // probe timeout 500 ms, fall 2: the etcd leader is no longer confirmed
                await().atMost(Duration.ofSeconds(10)).until(() -> proxy.routes().leader().isEmpty());
                await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(() -> TestPostgres.serverPort(old)).isInstanceOf(SQLException.class));
            }
            finally {
                n1.stalled(false);
            }
            awaitLeader(proxy, "n1");
        }
    }

    @Test
    void replicasListenerSpreadsConnectionsOverReplicas()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitReplicas(proxy, 2);
            assertThat(portsReachedThrough(proxy.port("ro"), 6)).containsExactlyInAnyOrder(n2.pgPort(), n3.pgPort());
        }
    }

    @Test
    void replicasListenerExcludesNoloadbalanceReplica()
            throws Exception
    {
        n3.tags(Map.of("noloadbalance", true));
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitReplicas(proxy, 1);
            assertThat(portsReachedThrough(proxy.port("ro"), 4)).containsExactly(n2.pgPort());
        }
    }

    @Test
    void replicasListenerExcludesLaggingReplica()
            throws Exception
    {
        n2.lag(100L << 20);
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitReplicas(proxy, 1);
            assertThat(portsReachedThrough(proxy.port("ro"), 4)).containsExactly(n3.pgPort());
        }
    }

    @Test
    void replicaWhosePostgresRefusesConnectionsIsSkippedForTheNextOne()
            throws Exception
    {
        String scope = publish("n1");
        // n3's REST API says healthy replica, but nothing listens where its PostgreSQL should be
        int closedPort = FreePorts.next();
        put(scope, "members/n3", n3.memberJson(OPTIME).replace("127.0.0.1:" + n3.pgPort() + "/", "127.0.0.1:" + closedPort + "/"));
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            await().atMost(Duration.ofSeconds(20)).until(() -> proxy.routes().backends("ro").stream()
                    .anyMatch(backend -> backend.name().equals("n3") && backend.postgres().port() == closedPort));
            assertThat(portsReachedThrough(proxy.port("ro"), 4)).containsExactly(n2.pgPort());
        }
    }

    @Test
    void replicasListenerClosesConnectionsToAReplicaThatIsPromoted()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitReplicas(proxy, 2);
            Map<Integer, Connection> byPort = new HashMap<>();
            try {
                for (int i = 0; i < 6 && byPort.size() < 2; i++) {
                    Connection connection = TestPostgres.connect(proxy.port("ro"));
                    Connection previous = byPort.putIfAbsent(TestPostgres.serverPort(connection), connection);
                    if (previous != null) {
                        connection.close();
                    }
                }
                assertThat(byPort).containsOnlyKeys(n2.pgPort(), n3.pgPort());

                n1.mode(Mode.REPLICA);
                n2.mode(Mode.PRIMARY);
                put(scope, "leader", "n2");

                Connection onPromoted = byPort.get(n2.pgPort());
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThatThrownBy(() -> TestPostgres.serverPort(onPromoted)).isInstanceOf(SQLException.class));
                assertThat(TestPostgres.serverPort(byPort.get(n3.pgPort()))).as("a replica that stays one keeps its clients").isEqualTo(n3.pgPort());
                assertThat(portsReachedThrough(proxy.port("ro"), 4)).doesNotContain(n2.pgPort());
            }
            finally {
                for (Connection connection : byPort.values()) {
                    closeQuietly(connection);
                }
            }
        }
    }

    @Test
    void etcdOutageFallsBackToHealthChecks()
            throws Exception
    {
        try (EtcdServer own = EtcdServer.launch(); Client ownClient = Client.builder().endpoints(own.endpoint()).build()) {
            String scope = publish(ownClient, "n1");
            try (HerdProxy proxy = HerdProxy.start(config(scope, own, "3s"))) {
                awaitLeader(proxy, "n1");
                own.kill();
                n1.mode(Mode.REPLICA);
                n2.mode(Mode.PRIMARY);
                await().atMost(Duration.ofSeconds(45)).until(() -> proxy.routes().leaderName().filter("n2"::equals).isPresent());
                try (Connection connection = TestPostgres.connect(proxy.port("rw"))) {
                    assertThat(TestPostgres.serverPort(connection)).isEqualTo(n2.pgPort());
                }
            }
        }
    }

    @Test
    void withoutLeaderNewConnectionsWaitBoundedThenAreClosed()
            throws Exception
    {
        n1.mode(Mode.REPLICA);
        String scope = publish(null);
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "1s"))) {
            awaitReplicas(proxy, 3);
            assertThat(proxy.routes().leader()).isEmpty();
            try (Socket socket = new Socket()) {
                long start = System.nanoTime();
                socket.connect(new InetSocketAddress("127.0.0.1", proxy.port("rw")), 5000);
                socket.setSoTimeout(15_000);
                assertThat(socket.getInputStream().read()).isEqualTo(-1);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(millis).isBetween(900L, 8000L);
            }
            assertThat(scrape(proxy)).contains("herd_proxy_rejected_connections_total{listener=\"rw\",reason=\"no_backend\"} 1.0");
        }
    }

    @Test
    void waitingConnectionProceedsWhenALeaderAppears()
            throws Exception
    {
        n1.mode(Mode.REPLICA);
        String scope = publish(null);
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "15s"))) {
            awaitReplicas(proxy, 3);
            CompletableFuture<Integer> reached = CompletableFuture.supplyAsync(() -> {
                try (Connection connection = TestPostgres.connect(proxy.port("rw"))) {
                    return TestPostgres.serverPort(connection);
                }
                catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(500);
            assertThat(reached).isNotDone();
            n3.mode(Mode.PRIMARY);
            put(scope, "leader", "n3");
            assertThat(reached.get(20, TimeUnit.SECONDS)).isEqualTo(n3.pgPort());
        }
    }

    @Test
    void clientsSendingGarbageOrLeavingMidHandshakeDoNotDisturbOthers()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitLeader(proxy, "n1");
            int port = proxy.port("rw");
            try (Connection steady = TestPostgres.connect(port)) {
                for (int i = 0; i < 20; i++) {
                    try (Socket garbage = new Socket("127.0.0.1", port)) {
                        OutputStream out = garbage.getOutputStream();
                        out.write(("GET / HTTP/1.1\r\n\r\n" + "\u0000\u0001garbage" + i).getBytes(UTF_8));
                        out.flush();
                        garbage.setSoTimeout(10_000);
                        InputStream in = garbage.getInputStream();
                        while (in.read() >= 0) {
                            // PostgreSQL answers with an error and closes
                        }
                    }
                    try (Socket half = new Socket("127.0.0.1", port)) {
                        // the first 4 bytes of a startup packet, then gone
                        half.getOutputStream().write(new byte[] {0, 0, 0, 40});
                    }
                    assertThat(TestPostgres.serverPort(steady)).isEqualTo(n1.pgPort());
                }
            }
            try (Connection fresh = TestPostgres.connect(port)) {
                assertThat(TestPostgres.serverPort(fresh)).isEqualTo(n1.pgPort());
            }
        }
    }

    @Test
    void statusAndMetricsShowLeaderBackendsAndTraffic()
            throws Exception
    {
        String scope = publish("n1");
        try (HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"))) {
            awaitLeader(proxy, "n1");
            try (Connection connection = TestPostgres.connect(proxy.port("rw"))) {
                TestPostgres.serverPort(connection);
                String metrics = scrape(proxy);
                assertThat(metrics).contains("herd_proxy_active_connections{backend=\"n1\",listener=\"rw\"} 1.0");
                assertThat(metrics).contains("herd_proxy_bytes_total{backend=\"n1\",direction=\"to_client\",listener=\"rw\"}");
                assertThat(metrics).contains("herd_proxy_leader_changes_total 1.0");
            }
            String status = get(proxy, "/status");
            assertThat(status).contains("\"leader\" : \"n1\"").contains("target_session_attrs=read-write").contains("\"n2\"").contains("\"etcd_reachable\" : true");
        }
    }

    @Test
    void staticBackendsWithoutEtcdRouteByChecksAlone()
            throws Exception
    {
        String yaml = """
                proxy:
                  listeners:
                    - {name: rw, bind: 127.0.0.1:%d, role: primary, wait_for_leader: 3s}
                  backends:
                    - {name: n1, postgres: 127.0.0.1:%d, api: %s}
                    - {name: n2, postgres: 127.0.0.1:%d, api: %s}
                  health_check: {interval: 100ms, timeout: 500ms, rise: 2, fall: 2}
                """.formatted(FreePorts.next(), n1.pgPort(), n1.apiUrl(), n2.pgPort(), n2.apiUrl());
        try (HerdProxy proxy = HerdProxy.start(ProxyConfigParser.parse(yaml))) {
            awaitLeader(proxy, "n1");
            n1.mode(Mode.REPLICA);
            n2.mode(Mode.PRIMARY);
            awaitLeader(proxy, "n2");
            try (Connection connection = TestPostgres.connect(proxy.port("rw"))) {
                assertThat(TestPostgres.serverPort(connection)).isEqualTo(n2.pgPort());
            }
        }
    }

    @Test
    void gracefulShutdownStopsAcceptingAndLetsRelayedConnectionsFinishForABoundedTime()
            throws Exception
    {
        String scope = publish("n1");
        HerdProxy proxy = HerdProxy.start(config(scope, etcd, "3s"));
        try (Connection open = TestPostgres.connect(proxy.port("rw"))) {
            awaitLeader(proxy, "n1");
            int port = proxy.port("rw");
            assertThat(TestPostgres.serverPort(open)).isEqualTo(n1.pgPort());
            long start = System.nanoTime();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(java.net.ConnectException.class));
            assertThat(TestPostgres.serverPort(open)).isEqualTo(n1.pgPort());
            closing.get(10, TimeUnit.SECONDS);
            // shutdown_timeout is 1s in these tests
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(900L);
            assertThatThrownBy(() -> TestPostgres.serverPort(open)).isInstanceOf(SQLException.class);
        }
        finally {
            proxy.close();
        }
    }

    // ---- helpers ----

    private ProxyConfig config(String scope, EtcdServer server, String waitForLeader)
    {
        String yaml = """
                scope: %s
                namespace: /service/
                etcd3:
                  hosts: %s
                proxy:
                  listeners:
                    - {name: rw, bind: 127.0.0.1:%d, role: primary, wait_for_leader: %s, connect_timeout: 2s}
                    - {name: ro, bind: 127.0.0.1:%d, role: replicas, max_lag: 1MB, fallback_to_primary: false, wait_for_leader: 1s}
                  health_check: {interval: 200ms, timeout: 500ms, rise: 2, fall: 2}
                  http: 127.0.0.1:%d
                  shutdown_timeout: 1s
                """.formatted(scope, server.host() + ":" + server.clientPort(), FreePorts.next(), waitForLeader, FreePorts.next(), FreePorts.next());
        return ProxyConfigParser.parse(yaml);
    }

    private String publish(String leader)
            throws Exception
    {
        return publish(client, leader);
    }

    /** Publishes the three members, the status and (unless null) the leader key as agents do, under a fresh scope. */
    private String publish(Client to, String leader)
            throws Exception
    {
        String scope = "proxy" + SCOPES.incrementAndGet();
        for (FakePatroniNode node : List.of(n1, n2, n3)) {
            put(to, scope, "members/" + node.name(), node.memberJson(OPTIME));
        }
        put(to, scope, "status", "{\"optime\":" + OPTIME + "}");
        if (leader != null) {
            put(to, scope, "leader", leader);
        }
        return scope;
    }

    private void put(String scope, String key, String value)
            throws Exception
    {
        put(client, scope, key, value);
    }

    private static void put(Client to, String scope, String key, String value)
            throws Exception
    {
        to.getKVClient().put(ByteSequence.from("/service/" + scope + "/" + key, UTF_8), ByteSequence.from(value, UTF_8)).get(10, TimeUnit.SECONDS);
    }

    private static void awaitLeader(HerdProxy proxy, String name)
    {
        await().atMost(Duration.ofSeconds(20)).until(() -> proxy.routes().leaderName().filter(name::equals).isPresent());
    }

    private static void awaitReplicas(HerdProxy proxy, int count)
    {
        await().atMost(Duration.ofSeconds(20)).until(() -> proxy.routes().backends("ro").size() == count);
    }

    private static Set<Integer> portsReachedThrough(int port, int connections)
            throws SQLException
    {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < connections; i++) {
            try (Connection connection = TestPostgres.connect(port)) {
                ports.add(TestPostgres.serverPort(connection));
            }
        }
        return ports;
    }

    private static String scrape(HerdProxy proxy)
            throws Exception
    {
        return get(proxy, "/metrics");
    }

    private static String get(HerdProxy proxy, String path)
            throws Exception
    {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.httpPort().orElseThrow() + path)).timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void closeQuietly(AutoCloseable closeable)
    {
        try {
            if (closeable != null) {
                closeable.close();
            }
        }
        catch (Exception e) {
            // best effort in teardown
        }
    }
}
