package io.herd.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.core.config.ConfigException;
import io.herd.proxy.HerdProxy;
import io.herd.proxy.MultiHost;
import io.herd.proxy.routing.Backend;
import io.herd.proxy.config.ListenerConfig;
import io.herd.proxy.config.ProxyConfig;
import io.herd.proxy.config.ProxyConfigParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code herd proxy [CONFIG]}: the leader-aware TCP load balancer. Flags override the file, so a whole proxy can
 * be started from flags alone: {@code herd proxy --scope demo --etcd 127.0.0.1:2379 --primary :5000 --replicas :5001}.
 */
@Command(name = "proxy", mixinStandardHelpOptions = true, description = "Run the leader-aware TCP proxy in front of the cluster (primary and replica listeners, /metrics, /status).")
public final class ProxyCommand
        implements Callable<Integer>
{
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "YAML file: scope, namespace, etcd3 (as the agent's) and a proxy section")
    Path configFile;

    @Option(names = "--scope", description = "Cluster name (scope) to watch in etcd")
    String scope;

    @Option(names = "--namespace", description = "etcd namespace (default /service/)")
    String namespace;

    @Option(names = "--etcd", paramLabel = "HOSTS", description = "etcd hosts, comma-separated host:port")
    String etcd;

    @Option(names = "--primary", paramLabel = "HOST:PORT", description = "Listen for read-write connections (routed to the leader only)")
    String primary;

    @Option(names = "--replicas", paramLabel = "HOST:PORT", description = "Listen for read-only connections (balanced over replicas)")
    String replicas;

    @Option(names = "--http", paramLabel = "HOST:PORT", description = "Serve /metrics and /status here")
    String http;

    @Option(names = "--wait-for-leader", paramLabel = "DURATION", description = "How long new connections wait for a leader (e.g. 10s), for listeners that do not set it")
    String waitForLeader;

    @Option(names = "--check-interval", paramLabel = "DURATION", description = "Health check interval (e.g. 1s)")
    String checkInterval;

    @Option(names = "--io-threads", description = "Event loop threads relaying bytes (default: one per core; 1 relays with the least CPU per transaction on a machine shared with PostgreSQL)")
    int ioThreads;

    @Option(names = "--validate-config", description = "Check the configuration and exit.")
    boolean validateOnly;

    @Override
    public Integer call()
    {
        ProxyConfig config;
        try {
            ObjectNode root = configFile == null ? JsonNodeFactory.instance.objectNode() : ProxyConfigParser.readYaml(configFile);
            applyFlags(root);
            config = ProxyConfigParser.parse(root);
        }
        catch (ConfigException e) {
            System.err.println("herd proxy: invalid configuration" + (configFile == null ? "" : " in " + configFile) + ":");
            e.problems().forEach(problem -> System.err.println("  " + problem));
            return 2;
        }
        if (ioThreads < 0) {
            System.err.println("herd proxy: --io-threads must be 0 (one per core) or more, not " + ioThreads);
            return 2;
        }
        if (validateOnly) {
            System.out.println("configuration is valid");
            return 0;
        }
        HerdProxy proxy;
        try {
            proxy = HerdProxy.start(config, ioThreads);
        }
        catch (IllegalStateException e) {
            System.err.println("herd proxy: " + e.getMessage());
            return 1;
        }
        for (ListenerConfig listener : config.listeners()) {
            System.out.println("herd proxy: " + listener.role().configName() + " connections: postgresql://" + listener.bind() + "/postgres (listener " + listener.name() + ")");
        }
        config.http().ifPresent(address -> System.out.println("herd proxy: status at http://" + address + "/status, metrics at http://" + address + "/metrics"));
        if (!config.backends().isEmpty()) {
            List<Backend> backends = config.backends().stream().map(b -> new Backend(b.name(), b.postgres(), b.api())).toList();
            System.out.println("herd proxy: clients that route themselves can skip the proxy: " + MultiHost.libpq(backends) + " (JDBC: " + MultiHost.jdbc(backends) + ")");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stopped.countDown();
        }, "herd-proxy-shutdown"));
        try {
            stopped.await();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private void applyFlags(ObjectNode root)
    {
        if (scope != null) {
            root.put("scope", scope);
        }
        if (namespace != null) {
            root.put("namespace", namespace);
        }
        if (etcd != null) {
            ObjectNode etcd3 = root.has("etcd3") && root.get("etcd3").isObject() ? (ObjectNode) root.get("etcd3") : root.putObject("etcd3");
            etcd3.remove("host");
            etcd3.remove("url");
            etcd3.put("hosts", etcd);
        }
        ObjectNode proxy = root.has("proxy") && root.get("proxy").isObject() ? (ObjectNode) root.get("proxy") : root.putObject("proxy");
        if (primary != null || replicas != null) {
            ArrayNode listeners = proxy.has("listeners") && proxy.get("listeners").isArray() ? (ArrayNode) proxy.get("listeners") : proxy.putArray("listeners");
            if (primary != null) {
                setListener(listeners, "primary", primary, "primary");
            }
            if (replicas != null) {
                setListener(listeners, "replicas", replicas, "replicas");
            }
        }
        if (http != null) {
            proxy.put("http", http);
        }
        if (waitForLeader != null && proxy.get("listeners") instanceof ArrayNode listeners) {
            listeners.forEach(listener -> {
                if (listener instanceof ObjectNode object && !object.has("wait_for_leader")) {
                    object.put("wait_for_leader", waitForLeader);
                }
            });
        }
        if (checkInterval != null) {
            ObjectNode checks = proxy.has("health_check") && proxy.get("health_check").isObject() ? (ObjectNode) proxy.get("health_check") : proxy.putObject("health_check");
            checks.put("interval", checkInterval);
        }
    }

    /** Replaces the listener of that name, or adds it. */
    private static void setListener(ArrayNode listeners, String name, String bind, String role)
    {
        for (int i = 0; i < listeners.size(); i++) {
            if (listeners.get(i) instanceof ObjectNode object && name.equals(object.path("name").asText())) {
                object.put("bind", bind);
                object.put("role", role);
                return;
            }
        }
        listeners.addObject().put("name", name).put("bind", bind).put("role", role);
    }
}
