package io.herd.cli;

import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.HostPort;
import io.herd.core.config.EtcdConfig;
import io.herd.core.dcs.DcsException;
import io.herd.core.dcs.DcsKeys;
import io.herd.etcd.EtcdDcs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code herd demo}: a local etcd and three agents on loopback, then the cluster table and how to connect.
 * Ctrl-C stops exactly the processes it started.
 */
@Command(name = "demo", description = "Run a local three-node cluster with etcd on loopback; Ctrl-C stops it.")
public final class DemoCommand
        implements Callable<Integer>
{
    private static final String PASSWORD = "herd-demo";

    @Option(names = "--dir", description = "where the demo keeps its data and logs (default: ${DEFAULT-VALUE})")
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "herd-demo-" + System.getProperty("user.name"));

    @Option(names = "--once", description = "stop everything as soon as the cluster is up (for scripts and tests)")
    boolean once;

    @Option(names = "--etcd-port", description = "etcd client port (default: ${DEFAULT-VALUE}; the peer port is the next one)")
    int etcdPort = 2379;

    @Option(names = "--pg-port", description = "PostgreSQL port of the first node (default: ${DEFAULT-VALUE}; the others follow)")
    int pgPort = 5441;

    @Option(names = "--api-port", description = "REST API port of the first node (default: ${DEFAULT-VALUE}; the others follow)")
    int apiPort = 8008;

    @Option(names = "--s3-port", description = "port of the embedded S3-compatible store the cluster archives into (default: ${DEFAULT-VALUE})")
    int s3Port = 9000;

    @Option(names = "--no-backups", description = "run without WAL archiving and base backups")
    boolean noBackups;

    @Option(names = "--proxy-port", description = "herd proxy: read-write port (default: ${DEFAULT-VALUE}); read-only on the next, /status and /metrics on the one after")
    int proxyPort = 5000;

    private final List<Process> started = new ArrayList<>();
    private final List<Process> agentProcesses = new ArrayList<>();
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception
    {
        List<Integer> ports = new ArrayList<>(List.of(etcdPort, etcdPort + 1));
        if (!noBackups) {
            ports.add(s3Port);
        }
        ports.addAll(List.of(proxyPort, proxyPort + 1, proxyPort + 2));
        for (int i = 0; i < 3; i++) {
            ports.add(pgPort + i);
            ports.add(apiPort + i);
        }
        for (int port : ports) {
            if (!isFree(port)) {
                System.err.println("herd demo: port " + port + " on 127.0.0.1 is already in use; stop what uses it or choose other ports (--etcd-port, --pg-port, --api-port, --s3-port)");
                return 1;
            }
        }
        Path etcdBinary = Path.of("/usr/bin/etcd");
        if (!Files.isExecutable(etcdBinary)) {
            System.err.println("herd demo: etcd is not installed (/usr/bin/etcd); run scripts/install-deps as root");
            return 1;
        }
        deleteRecursively(dir);
        Files.createDirectories(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "herd-demo-stop"));

        Optional<Path> s3Lib = Optional.empty();
        if (!noBackups) {
            s3Lib = DemoS3.library();
            if (s3Lib.isEmpty()) {
                System.err.println("herd demo: the embedded S3 store is not built (herd-demo-s3/target/lib); run scripts/build, or use --no-backups");
                return 1;
            }
        }
        System.out.println("Starting etcd on 127.0.0.1:" + etcdPort + (noBackups ? "" : ", an S3-compatible store on 127.0.0.1:" + s3Port)
                + ", three agents and herd proxy; logs in " + dir);
        startEtcd(etcdBinary);
        if (s3Lib.isPresent()) {
            started.add(DemoS3.start(s3Lib.get(), dir, s3Port));
        }
        for (int i = 1; i <= 3; i++) {
            Path config = dir.resolve("node" + i + ".yml");
            Files.writeString(config, nodeConfig(i));
            startAgent(i, config);
        }
        startProxy();
        ClusterView view = awaitCluster(Duration.ofMinutes(3));
        if (view == null) {
            System.err.println("herd demo: the cluster did not come up within 3 minutes; see the logs in " + dir);
            return 1;
        }
        if (!awaitProxy(Duration.ofMinutes(1))) {
            System.err.println("herd demo: herd proxy does not reach the primary on 127.0.0.1:" + proxyPort + "; see " + dir.resolve("proxy.log"));
            return 1;
        }
        printConnectionHelp(view);
        if (!noBackups) {
            if (!DemoS3.awaitFirstBackup(s3Port, Duration.ofMinutes(5))) {
                System.err.println("herd demo: no base backup reached the S3 store within 5 minutes; see the logs in " + dir);
                return 1;
            }
            System.out.print(DemoS3.listingHelp(s3Port));
        }
        if (once) {
            return 0;
        }
        // one etcd client for the whole watch: a client per round left each one's threads behind, and one
        // created while Ctrl-C was stopping the JVM failed loudly
        String last = "";
        Set<Long> reported = new HashSet<>();
        try (EtcdDcs dcs = dcs()) {
            while (!stopping) {
                TimeUnit.SECONDS.sleep(5);
                if (stopping) {
                    break;
                }
                for (Process process : started) {
                    if (!process.isAlive() && reported.add(process.pid())) {
                        System.out.println("(a demo process exited: pid " + process.pid() + ")");
                    }
                }
                try {
                    String table = ClusterTable.render("demo", dcs.readFresh());
                    if (!table.equals(last)) {
                        System.out.print(table);
                        last = table;
                    }
                }
                catch (DcsException e) {
                    System.out.println("(etcd unreachable: " + e.getMessage() + ")");
                }
            }
        }
        return 0;
    }

    private void startEtcd(Path binary) throws IOException
    {
        String client = "http://127.0.0.1:" + etcdPort;
        String peer = "http://127.0.0.1:" + (etcdPort + 1);
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "--name", "demo", "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer, "--initial-cluster", "demo=" + peer)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("etcd.log").toFile());
        started.add(builder.start());
    }

    private void startAgent(int node, Path config) throws IOException
    {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the classpath this JVM runs with: herd.jar under bin/herd, the module classpath under a test
        String classpath = System.getProperty("java.class.path");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath, Herd.class.getName(), "agent", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("node" + node + ".log").toFile());
        builder.environment().put("HERD_NAME", "node" + node);
        Process agent = builder.start();
        started.add(agent);
        agentProcesses.add(agent);
    }

    private void startProxy() throws IOException
    {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Herd.class.getName(),
                "proxy", "--scope", "demo", "--etcd", "127.0.0.1:" + etcdPort, "--primary", "127.0.0.1:" + proxyPort,
                "--replicas", "127.0.0.1:" + (proxyPort + 1), "--http", "127.0.0.1:" + (proxyPort + 2))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("proxy.log").toFile());
        builder.environment().put("HERD_NAME", "proxy");
        Process proxy = builder.start();
        started.add(proxy);
        agentProcesses.add(proxy);
    }

    /** The one address users connect to reaches a writable primary. */
    private boolean awaitProxy(Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("password", PASSWORD);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", "5");
        while (System.nanoTime() < deadline) {
            try (var connection = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + proxyPort + "/postgres", properties);
                    var statement = connection.createStatement();
                    var rows = statement.executeQuery("SELECT pg_is_in_recovery()")) {
                if (rows.next() && !rows.getBoolean(1)) {
                    return true;
                }
            }
            catch (java.sql.SQLException e) {
                // the proxy has not seen the leader yet
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
        return false;
    }

    private String nodeConfig(int node)
    {
        return """
                scope: demo
                name: node%1$d
                restapi:
                  listen: 127.0.0.1:%2$d
                  connect_address: 127.0.0.1:%2$d
                etcd3:
                  hosts: 127.0.0.1:%3$d
                bootstrap:
                  dcs:
                    postgresql:
                      use_pg_rewind: true
                      use_slots: true
                  initdb:
                  - encoding: UTF8
                  - data-checksums
                postgresql:
                  listen: 127.0.0.1:%4$d
                  connect_address: 127.0.0.1:%4$d
                  data_dir: %5$s/node%1$d/data
                  pgpass: %5$s/node%1$d/pgpass
                  authentication:
                    superuser:
                      username: postgres
                      password: %6$s
                    replication:
                      username: replicator
                      password: %6$s
                  parameters:
                    unix_socket_directories: '%5$s/node%1$d'
                  pg_hba:
                  - local all all trust
                  - host replication replicator 127.0.0.1/32 md5
                  - host all all 127.0.0.1/32 md5
                  create_replica_methods: [herd_backup, basebackup]
                """.formatted(node, apiPort + node - 1, etcdPort, pgPort + node - 1, dir, PASSWORD) + (noBackups ? "" : DemoS3.backupSection(s3Port));
    }

    private EtcdDcs dcs()
    {
        return new EtcdDcs(EtcdConfig.plain(List.of(new HostPort("127.0.0.1", etcdPort))), DcsKeys.of("/service", "demo"), "herd-demo",
                Duration.ofSeconds(10), Duration.ofSeconds(3));
    }

    private ClusterView awaitCluster(Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (Process process : started) {
                if (!process.isAlive()) {
                    return null;
                }
            }
            try (EtcdDcs dcs = dcs()) {
                ClusterView view = dcs.readFresh();
                long streaming = view.members().values().stream().filter(m -> m.replicationState().map("streaming"::equals).orElse(false)).count();
                if (view.leader().isPresent() && streaming == 2) {
                    return view;
                }
            }
            catch (DcsException e) {
                // etcd is still starting
            }
            TimeUnit.MILLISECONDS.sleep(500);
        }
        return null;
    }

    private void printConnectionHelp(ClusterView view)
    {
        System.out.print(ClusterTable.render("demo", view));
        HostPort leader = view.leaderMember().flatMap(m -> m.postgresAddress()).orElse(new HostPort("127.0.0.1", pgPort));
        String hosts = "127.0.0.1:" + pgPort + ",127.0.0.1:" + (pgPort + 1) + ",127.0.0.1:" + (pgPort + 2);
        System.out.printf("""

                The cluster is up. Connect through herd proxy, the one address that always reaches the primary:
                  psql "host=127.0.0.1 port=%d user=postgres password=%s dbname=postgres"
                Read-only, balanced over the replicas: port %d. Proxy state: curl -s http://127.0.0.1:%d/status
                The primary itself, right now:
                  psql "host=%s port=%d user=postgres password=%s dbname=postgres"
                Let libpq find the primary among all three (no proxy hop):
                  psql "postgresql://postgres:%s@%s/postgres?target_session_attrs=read-write"
                  JDBC: jdbc:postgresql://%s/postgres?targetServerType=primary
                Health checks as a load balancer sees them (200 on the primary, 503 elsewhere):
                  curl -s -o /dev/null -w '%%{http_code}\\n' http://127.0.0.1:%d/primary
                Cluster state from etcd: bin/herd ctl list -c %s
                Try a failover: kill -9 the primary's postmaster (head -1 %s/<node>/data/postmaster.pid), or stop its agent.
                """, proxyPort, PASSWORD, proxyPort + 1, proxyPort + 2, leader.host(), leader.port(), PASSWORD, PASSWORD, hosts, hosts, apiPort,
                dir.resolve("node1.yml"), dir);
        if (!once) {
            System.out.println("Press Ctrl-C to stop the demo (it stops only the processes it started).");
        }
    }

    private void stopAll()
    {
        stopping = true;
        // the agents together (each stops its PostgreSQL; stopping them one by one would only cause failovers),
        // then the stores they need until the end
        List<Process> agents = started.stream().filter(p -> agentProcesses.contains(p)).toList();
        agents.forEach(Process::destroy);
        agents.forEach(DemoCommand::awaitExit);
        for (int i = started.size() - 1; i >= 0; i--) {
            Process process = started.get(i);
            if (process.isAlive()) {
                process.destroy();
                awaitExit(process);
            }
        }
        System.out.println("demo stopped");
    }

    private static void awaitExit(Process process)
    {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
        }
    }

    private static boolean isFree(int port)
    {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path path) throws IOException
    {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

}
