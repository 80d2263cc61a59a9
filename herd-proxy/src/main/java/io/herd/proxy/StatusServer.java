package io.herd.proxy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.herd.core.cluster.HostPort;
import io.herd.proxy.config.CheckSpec;
import io.herd.proxy.health.CheckState;
import io.herd.proxy.routing.Backend;
import io.herd.proxy.routing.Router;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static java.util.Objects.requireNonNull;

/** {@code GET /metrics} (Prometheus text) and {@code GET /status} (JSON: leader, backends, their checks, routes). */
public final class StatusServer
        implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(Threads.named("herd-proxy-http"));
    private final Router router;
    private final ProxyMetrics metrics;

    public StatusServer(HostPort listen, Router router, ProxyMetrics metrics)
    {
        this.router = requireNonNull(router, "router is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        try {
            server = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
        }
        catch (IOException e) {
            executor.shutdownNow();
            throw new IllegalStateException("cannot listen on " + listen + " (proxy.http): " + e.getMessage(), e);
        }
        server.setExecutor(executor);
        server.createContext("/metrics", exchange -> answer(exchange, "text/plain; version=0.0.4; charset=utf-8", this::metrics));
        server.createContext("/status", exchange -> answer(exchange, "application/json", this::status));
        server.start();
    }

    public int port()
    {
        return server.getAddress().getPort();
    }

    private byte[] metrics()
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            metrics.write(out);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private byte[] status()
    {
        Router.Status status = router.status();
        ObjectNode root = JSON.createObjectNode();
        root.put("leader", status.routes().leaderName().orElse(null));
        root.put("reason", status.routes().reason());
        root.put("etcd_reachable", status.etcdReachable());
        ObjectNode backends = root.putObject("backends");
        for (Backend backend : status.backends().values()) {
            ObjectNode node = backends.putObject(backend.name());
            node.put("postgres", backend.postgres().toString());
            node.put("api", backend.api().toString());
            ObjectNode checks = node.putObject("checks");
            for (Map.Entry<CheckSpec, CheckState> entry : status.health().states().getOrDefault(backend.name(), Map.of()).entrySet()) {
                ObjectNode check = checks.putObject(entry.getKey().toString());
                check.put("up", entry.getValue().up());
                check.put("last", entry.getValue().last().name().toLowerCase(java.util.Locale.ROOT));
            }
        }
        if (!status.backends().isEmpty()) {
            ObjectNode direct = root.putObject("direct_connection_strings");
            direct.put("libpq", MultiHost.libpq(status.backends().values()));
            direct.put("jdbc", MultiHost.jdbc(status.backends().values()));
        }
        ObjectNode listeners = root.putObject("listeners");
        status.routes().byListener().forEach((name, list) -> {
            ArrayNode array = listeners.putArray(name);
            list.forEach(backend -> array.add(backend.name()));
        });
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void answer(HttpExchange exchange, String contentType, java.util.function.Supplier<byte[]> body)
            throws IOException
    {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.get();
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
