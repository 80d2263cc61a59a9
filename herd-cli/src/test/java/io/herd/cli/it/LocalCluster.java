package io.herd.cli.it;

import io.herd.cli.Herd;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.HostPort;
import io.herd.core.config.EtcdConfig;
import io.herd.core.dcs.DcsException;
import io.herd.core.dcs.DcsKeys;
import io.herd.etcd.EtcdDcs;
import io.herd.testing.EtcdServer;
import io.herd.testing.FreePorts;
import io.herd.testing.PostgresBinaries;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real cluster on loopback for tests: one etcd and N agents, each a separate JVM running {@code herd agent} with
 * its own PostgreSQL 15, ports and directories. Kills and stops only the processes it started, by PID.
 */
final class LocalCluster
        implements AutoCloseable
{
    static final String PASSWORD = "test-secret";

    private final Path dir;
    private final EtcdServer etcd;
    private final boolean ownsEtcd;
    private final List<Node> nodes = new ArrayList<>();
    private final Options options;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private LocalCluster(Path dir, EtcdServer etcd, boolean ownsEtcd, Options options)
    {
        this.dir = dir;
        this.etcd = etcd;
        this.ownsEtcd = ownsEtcd;
        this.options = options;
    }

    /**
     * @param scope the cluster name
     * @param dcsExtra lines appended under bootstrap.dcs (indented by four spaces), e.g. "    ttl: 10\n"
     * @param postgresqlExtra lines appended under postgresql (indented by two spaces)
     * @param topLevelExtra top-level YAML appended to every node's configuration (e.g. a backup section)
     */
    record Options(String scope, String dcsExtra, String postgresqlExtra, String topLevelExtra)
    {
    }

    static LocalCluster start(int size, String dcsExtra) throws IOException
    {
        return start(size, new Options("it", dcsExtra, "", ""), Optional.empty());
    }

    /** @param sharedEtcd an etcd another cluster started (then this one does not stop it) */
    static LocalCluster start(int size, Options options, Optional<EtcdServer> sharedEtcd) throws IOException
    {
        PostgresBinaries.requireNotRoot();
        PostgresBinaries.require();
        Path dir = Files.createTempDirectory("herd-it-");
        LocalCluster cluster = new LocalCluster(dir, sharedEtcd.orElseGet(EtcdServer::launch), sharedEtcd.isEmpty(), options);
        for (int i = 1; i <= size; i++) {
            cluster.addNode();
        }
        return cluster;
    }

    Node addNode() throws IOException
    {
        int index = nodes.size() + 1;
        Node node = new Node("node" + index, dir.resolve("node" + index), FreePorts.next(), FreePorts.next());
        nodes.add(node);
        startAgent(node);
        return node;
    }

    List<Node> nodes()
    {
        return nodes;
    }

    Node node(String name)
    {
        return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }

    EtcdServer etcd()
    {
        return etcd;
    }

    void startAgent(Node node) throws IOException
    {
        Files.createDirectories(node.dir);
        Path config = node.dir.resolve("herd.yml");
        Files.writeString(config, config(node));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), Herd.class.getName(), "agent", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(node.dir.resolve("agent.log").toFile()));
        builder.environment().put("HERD_NAME", node.name);
        node.agent = builder.start();
    }

    private String config(Node node)
    {
        return """
                scope: %8$s
                name: %1$s
                restapi:
                  listen: 127.0.0.1:%2$d
                  connect_address: 127.0.0.1:%2$d
                etcd3:
                  hosts: %3$s
                bootstrap:
                  dcs:
                %6$s    postgresql:
                      use_pg_rewind: true
                      use_slots: true
                  initdb:
                  - encoding: UTF8
                  - data-checksums
                postgresql:
                  listen: 127.0.0.1:%4$d
                  connect_address: 127.0.0.1:%4$d
                  data_dir: %5$s/data
                  pgpass: %5$s/pgpass
                  authentication:
                    superuser:
                      username: postgres
                      password: %7$s
                    replication:
                      username: replicator
                      password: %7$s
                  parameters:
                    unix_socket_directories: '%5$s'
                    shared_buffers: 16MB
                  pg_hba:
                  - local all all trust
                  - host replication replicator 127.0.0.1/32 md5
                  - host all all 127.0.0.1/32 md5
                %9$s%10$s""".formatted(node.name, node.apiPort, etcd.host() + ":" + etcd.clientPort(), node.pgPort, node.dir, options.dcsExtra(), PASSWORD,
                options.scope(), options.postgresqlExtra(), options.topLevelExtra());
    }

    ClusterView view()
    {
        try (EtcdDcs dcs = new EtcdDcs(EtcdConfig.plain(List.of(new HostPort(etcd.host(), etcd.clientPort()))), DcsKeys.of("/service", options.scope()), "test",
                Duration.ofSeconds(10), Duration.ofSeconds(3))) {
            return dcs.readFresh();
        }
    }

    Optional<String> leader()
    {
        try {
            return view().leaderName();
        }
        catch (DcsException e) {
            return Optional.empty();
        }
    }

    long streamingReplicas()
    {
        return view().members().values().stream().filter(m -> m.replicationState().map("streaming"::equals).orElse(false)).count();
    }

    int httpStatus(Node node, String method, String path)
    {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort + path)).timeout(Duration.ofSeconds(5))
                    .method(method, HttpRequest.BodyPublishers.noBody()).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (IOException e) {
            return -1;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    String httpBody(Node node, String path) throws IOException, InterruptedException
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.apiPort + path)).timeout(Duration.ofSeconds(5)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    Connection connect(Node node) throws SQLException
    {
        Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", PASSWORD);
        properties.setProperty("connectTimeout", "3");
        properties.setProperty("socketTimeout", "10");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + node.pgPort + "/postgres", properties);
    }

    /** Writes one row on {@code node}; false when it does not accept writes. */
    boolean tryWrite(Node node, String value)
    {
        try (Connection connection = connect(node); var statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS it_writes (value text)");
            statement.execute("INSERT INTO it_writes VALUES ('" + value + "')");
            return true;
        }
        catch (SQLException e) {
            return false;
        }
    }

    Optional<Long> postmasterPid(Node node)
    {
        Path pidFile = node.dir.resolve("data/postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
        }
        catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    void killPostmaster(Node node)
    {
        long pid = postmasterPid(node).orElseThrow(() -> new IllegalStateException(node.name + " has no running postmaster"));
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    /** SIGKILL the agent JVM only. */
    void killAgent(Node node) throws InterruptedException
    {
        node.agent.destroyForcibly();
        node.agent.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the agent's clean shutdown. */
    void stopAgent(Node node) throws InterruptedException
    {
        node.agent.destroy();
        if (!node.agent.waitFor(60, TimeUnit.SECONDS)) {
            node.agent.destroyForcibly();
        }
    }

    String log(Node node)
    {
        try {
            String text = Files.readString(node.dir.resolve("agent.log"));
            return text.length() > 6000 ? text.substring(text.length() - 6000) : text;
        }
        catch (IOException e) {
            return "(no log)";
        }
    }

    String logs()
    {
        StringBuilder out = new StringBuilder();
        for (Node node : nodes) {
            out.append("==== ").append(node.name).append(" ====\n").append(log(node)).append('\n');
            try {
                String pg = Files.readString(node.dir.resolve("log/postgresql.log"));
                out.append("---- ").append(node.name).append(" postgresql.log ----\n").append(pg.length() > 3000 ? pg.substring(pg.length() - 3000) : pg).append('\n');
            }
            catch (IOException e) {
                out.append("(no postgresql.log)\n");
            }
        }
        return out.toString();
    }

    @Override
    public void close()
    {
        for (Node node : nodes) {
            if (node.agent != null && node.agent.isAlive()) {
                node.agent.destroy();
            }
        }
        for (Node node : nodes) {
            try {
                if (node.agent != null && !node.agent.waitFor(60, TimeUnit.SECONDS)) {
                    node.agent.destroyForcibly();
                }
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // a postmaster whose agent was killed in the test is ours to stop too
            postmasterPid(node).flatMap(ProcessHandle::of).ifPresent(ProcessHandle::destroyForcibly);
        }
        if (ownsEtcd) {
            etcd.close();
        }
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static final class Node
    {
        final String name;
        final Path dir;
        final int pgPort;
        final int apiPort;
        Process agent;

        Node(String name, Path dir, int pgPort, int apiPort)
        {
            this.name = name;
            this.dir = dir;
            this.pgPort = pgPort;
            this.apiPort = apiPort;
        }

        @Override
        public String toString()
        {
            return name;
        }
    }
}
