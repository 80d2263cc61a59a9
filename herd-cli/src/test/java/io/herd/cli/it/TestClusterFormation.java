package io.herd.cli.it;

import io.herd.cli.it.LocalCluster.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Three agents form a cluster on their own and answer health checks by role. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TestClusterFormation
{
    private LocalCluster cluster;
    private Node primary;
    private List<Node> replicas;

    @BeforeAll
    void startCluster() throws IOException
    {
        cluster = LocalCluster.start(3, "");
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.leader().isPresent() && cluster.streamingReplicas() == 2);
        }
        catch (RuntimeException | Error e) {
            throw new AssertionError("cluster did not form:\n" + cluster.logs(), e);
        }
        primary = cluster.node(cluster.leader().orElseThrow());
        replicas = cluster.nodes().stream().filter(n -> n != primary).toList();
    }

    @AfterAll
    void stopCluster()
    {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void dataWrittenOnPrimaryReachesBothReplicas() throws Exception
    {
        try (Connection connection = cluster.connect(primary); Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE replicated (id int)");
            statement.execute("INSERT INTO replicated VALUES (42)");
        }
        for (Node replica : replicas) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (Connection connection = cluster.connect(replica); Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery("SELECT id FROM replicated")) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getInt(1)).isEqualTo(42);
                }
            });
        }
    }

    @Test
    void replicasRefuseWrites() throws Exception
    {
        for (Node replica : replicas) {
            assertThat(cluster.tryWrite(replica, "x")).isFalse();
        }
    }

    @Test
    void primaryEndpointsAnswer200OnlyOnTheLeader()
    {
        for (String path : List.of("/", "/primary", "/master", "/leader", "/read-write")) {
            assertThat(cluster.httpStatus(primary, "GET", path)).as("GET %s on primary", path).isEqualTo(200);
            for (Node replica : replicas) {
                assertThat(cluster.httpStatus(replica, "GET", path)).as("GET %s on replica", path).isEqualTo(503);
            }
        }
    }

    @Test
    void replicaEndpointsAnswer200OnlyOnReplicas()
    {
        assertThat(cluster.httpStatus(primary, "GET", "/replica")).isEqualTo(503);
        for (Node replica : replicas) {
            assertThat(cluster.httpStatus(replica, "GET", "/replica")).isEqualTo(200);
            assertThat(cluster.httpStatus(replica, "GET", "/replica?lag=10MB")).isEqualTo(200);
            assertThat(cluster.httpStatus(replica, "GET", "/replica?tag_nofailover=true")).isEqualTo(503);
        }
    }

    @Test
    void readOnlyAndHealthAnswer200Everywhere()
    {
        for (Node node : cluster.nodes()) {
            assertThat(cluster.httpStatus(node, "GET", "/read-only")).isEqualTo(200);
            assertThat(cluster.httpStatus(node, "GET", "/health")).isEqualTo(200);
            assertThat(cluster.httpStatus(node, "GET", "/liveness")).isEqualTo(200);
            assertThat(cluster.httpStatus(node, "GET", "/readiness")).isEqualTo(200);
        }
    }

    @Test
    void standbyLeaderAndUnknownPathsAnswer503()
    {
        assertThat(cluster.httpStatus(primary, "GET", "/standby-leader")).isEqualTo(503);
        assertThat(cluster.httpStatus(primary, "GET", "/no-such-endpoint")).isEqualTo(503);
    }

    @Test
    void headAndOptionsAnswerWithABareStatusLine() throws IOException
    {
        assertThat(rawRequest(primary, "OPTIONS / HTTP/1.0\r\n\r\n")).isEqualTo("HTTP/1.0 200 OK\r\n\r\n");
        assertThat(rawRequest(replicas.get(0), "HEAD /primary HTTP/1.0\r\n\r\n")).isEqualTo("HTTP/1.0 503 Service Unavailable\r\n\r\n");
    }

    @Test
    void patroniEndpointDescribesTheNode() throws Exception
    {
        String body = cluster.httpBody(primary, "/patroni");
        assertThat(body).contains("\"state\":\"running\"", "\"role\":\"primary\"", "\"xlog\":{\"location\":", "\"timeline\":1",
                "\"patroni\":{\"version\":", "\"scope\":\"it\"", "\"name\":\"" + primary.name + "\"", "\"replication\":[");
        String replicaBody = cluster.httpBody(replicas.get(0), "/patroni");
        assertThat(replicaBody).contains("\"role\":\"replica\"", "\"received_location\"", "\"replayed_location\"", "\"replication_state\":\"streaming\"");
    }

    @Test
    void clusterEndpointListsAllMembersWithRoles() throws Exception
    {
        String body = cluster.httpBody(replicas.get(0), "/cluster");
        assertThat(body).contains("\"name\":\"node1\"", "\"name\":\"node2\"", "\"name\":\"node3\"", "\"role\":\"leader\"", "\"state\":\"streaming\"", "\"scope\":\"it\"");
    }

    @Test
    void metricsUsePatronisNames() throws Exception
    {
        assertThat(cluster.httpBody(primary, "/metrics")).contains("patroni_primary{name=\"" + primary.name + "\",scope=\"it\"} 1.0", "patroni_postgres_running");
        assertThat(cluster.httpBody(replicas.get(0), "/metrics")).contains("patroni_replica{", "patroni_postgres_streaming{");
    }

    @Test
    void configAndHistoryEndpointsServeTheStore() throws Exception
    {
        assertThat(cluster.httpBody(primary, "/config")).contains("\"ttl\"", "\"use_pg_rewind\":true");
        assertThat(cluster.httpBody(primary, "/history")).isEqualTo("[]");
    }

    @Test
    void memberKeysUsePatronisFormat()
    {
        var view = cluster.view();
        assertThat(view.members()).containsOnlyKeys("node1", "node2", "node3");
        assertThat(view.initialize()).hasValueSatisfying(id -> assertThat(id).matches("\\d+"));
        var leader = view.leaderMember().orElseThrow();
        assertThat(leader.role()).isEqualTo("primary");
        assertThat(leader.connUrl()).isEqualTo("postgres://127.0.0.1:" + primary.pgPort + "/postgres");
        assertThat(leader.apiUrl()).isEqualTo("http://127.0.0.1:" + primary.apiPort + "/patroni");
        assertThat(view.status().optime()).isPositive();
    }

    @Test
    void patronictlListsTheCluster() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/patronictl")), "Debian's patroni package is not installed (scripts/install-deps installs it)");
        // patronictl 3.0 has no etcd3:// scheme for -d: it reads the etcd3 section of a config file, as users run it
        Path config = Files.createTempFile("patronictl", ".yml");
        Files.writeString(config, "etcd3:\n  hosts: " + cluster.etcd().host() + ":" + cluster.etcd().clientPort() + "\n");
        Process process = new ProcessBuilder("/usr/bin/patronictl", "-c", config.toString(), "list", "it")
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        Files.delete(config);
        assertThat(process.exitValue()).as(output).isZero();
        // patronictl 3.0 prints the member's state (3.1+ prints replication_state) and lag against the leader's optime
        assertThat(output).contains("Cluster: it ");
        assertThat(row(output, primary.name)).containsExactly(primary.name, "127.0.0.1:" + primary.pgPort, "Leader", "running", "1", "");
        for (Node replica : replicas) {
            assertThat(row(output, replica.name)).containsExactly(replica.name, "127.0.0.1:" + replica.pgPort, "Replica", "running", "1", "0");
        }
    }

    private static List<String> row(String table, String member)
    {
        String line = table.lines().filter(l -> l.startsWith("| " + member + " ")).findFirst().orElseThrow(() -> new AssertionError(member + " missing in\n" + table));
        return java.util.Arrays.stream(line.substring(1, line.length() - 1).split("\\|")).map(String::trim).toList();
    }

    private static String rawRequest(Node node, String request) throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", node.apiPort)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
