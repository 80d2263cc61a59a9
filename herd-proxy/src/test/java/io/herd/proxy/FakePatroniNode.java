package io.herd.proxy;

import io.herd.agent.NodeStatus;
import io.herd.agent.api.AgentView;
import io.herd.agent.api.RestApiServer;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.HostPort;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * A real Patroni-compatible REST endpoint (the agent's own server) whose answers a test flips: primary, replica,
 * lagging or tagged noloadbalance, in front of a real PostgreSQL.
 */
final class FakePatroniNode
        implements AgentView, AutoCloseable
{
    enum Mode { PRIMARY, REPLICA }

    private final String name;
    private final TestPostgres postgres;
    private final RestApiServer api;
    private volatile Mode mode = Mode.REPLICA;
    private volatile long lagBytes;
    private volatile Map<String, Object> tags = Map.of();
    private volatile boolean stalled;

    FakePatroniNode(String name, TestPostgres postgres)
    {
        this.name = name;
        this.postgres = postgres;
        this.api = new RestApiServer(new HostPort("127.0.0.1", 0), this, System::nanoTime);
    }

    FakePatroniNode mode(Mode mode)
    {
        this.mode = mode;
        return this;
    }

    /** Every answer takes a second: the host is alive but the agent is stuck (the probe times out). */
    FakePatroniNode stalled(boolean stalled)
    {
        this.stalled = stalled;
        return this;
    }

    FakePatroniNode lag(long bytes)
    {
        this.lagBytes = bytes;
        return this;
    }

    FakePatroniNode tags(Map<String, Object> tags)
    {
        this.tags = Map.copyOf(tags);
        return this;
    }

    int pgPort()
    {
        return postgres.port();
    }

    String apiUrl()
    {
        return "http://127.0.0.1:" + api.port();
    }

    /** The member JSON an agent publishes under {@code members/<name>}. */
    String memberJson(long optime)
    {
        String tagJson = tags.isEmpty() ? "" : ",\"tags\":{" + String.join(",", tags.entrySet().stream().map(e -> "\"" + e.getKey() + "\":" + e.getValue()).toList()) + "}";
        return "{\"conn_url\":\"postgres://127.0.0.1:" + postgres.port() + "/postgres\",\"api_url\":\"" + apiUrl() + "/patroni\",\"state\":\"running\",\"role\":\""
                + (mode == Mode.PRIMARY ? "primary" : "replica") + "\",\"version\":\"4.1.4\",\"xlog_location\":" + (optime - lagBytes) + tagJson + "}";
    }

    @Override
    public String scope()
    {
        return "proxytest";
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public NodeStatus status()
    {
        if (stalled) {
            try {
                Thread.sleep(1000);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long optime = 1_000_000_000L;
        boolean primary = mode == Mode.PRIMARY;
        return new NodeStatus("running", Optional.of(primary ? "primary" : "replica"),
                primary ? OptionalLong.of(optime) : OptionalLong.empty(),
                primary ? OptionalLong.empty() : OptionalLong.of(optime - lagBytes),
                primary ? OptionalLong.empty() : OptionalLong.of(optime - lagBytes),
                Optional.empty(), false, OptionalInt.of(1), primary ? Optional.empty() : Optional.of("streaming"), List.of(), Optional.empty(),
                OptionalInt.of(150000), Optional.empty(), primary ? System.nanoTime() + 3_600_000_000_000L : 0, false, OptionalLong.empty(), false,
                tags, System.nanoTime() + 10_000_000_000L, OptionalLong.of(optime));
    }

    @Override
    public Optional<ClusterView> cluster()
    {
        return Optional.empty();
    }

    @Override
    public void close()
    {
        api.close();
    }
}
