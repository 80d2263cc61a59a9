package io.herd.agent.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.HostPort;
import io.herd.core.cluster.PatroniCodec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * Patroni's REST API, read side. Responses are HTTP/1.0 and close the connection, as Patroni's are; HEAD and
 * OPTIONS answer a bare status line with no headers, which is what {@code option httpchk OPTIONS /} expects.
 * Health answers come from the cached {@link io.herd.agent.NodeStatus}: no SQL on the health-check path.
 */
public final class RestApiServer
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(RestApiServer.class);

    private final AgentView agent;
    private final PatroniMetrics metrics;
    private final LongSupplier nanoTime;
    private final EventLoopGroup group;
    private final Channel channel;

    public RestApiServer(HostPort listen, AgentView agent, LongSupplier nanoTime)
    {
        this.agent = requireNonNull(agent, "agent is null");
        this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
        this.metrics = new PatroniMetrics(agent.scope(), agent.name(), nanoTime);
        this.group = new NioEventLoopGroup(2, new DefaultThreadFactory("herd-restapi", true));
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>()
                {
                    @Override
                    protected void initChannel(SocketChannel ch)
                    {
                        ch.pipeline().addLast(new ReadTimeoutHandler(30));
                        ch.pipeline().addLast(new HttpServerCodec(8192, 16384, 8192));
                        ch.pipeline().addLast(new HttpObjectAggregator(1 << 20));
                        ch.pipeline().addLast(new Handler());
                    }
                });
        try {
            String host = listen.host().equals("*") ? "0.0.0.0" : listen.host();
            this.channel = bootstrap.bind(new InetSocketAddress(host, listen.port())).syncUninterruptibly().channel();
        }
        catch (RuntimeException e) {
            group.shutdownGracefully();
            throw new IllegalStateException("cannot listen on " + listen + " (restapi.listen): " + e.getMessage(), e);
        }
        log.info("REST API listening on {}", channel.localAddress());
    }

    public int port()
    {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close()
    {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Handler
            extends SimpleChannelInboundHandler<FullHttpRequest>
    {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request)
        {
            if (!request.decoderResult().isSuccess()) {
                respond(ctx, 400, "text/html", "Bad request");
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            String path = uri.path();
            Map<String, String> query = new LinkedHashMap<>();
            uri.parameters().forEach((k, v) -> query.put(k, v.isEmpty() ? "" : v.get(0)));
            String method = request.method().name();
            try {
                switch (method) {
                    case "GET" -> get(ctx, path, query);
                    case "HEAD", "OPTIONS" -> bare(ctx, headStatus(path, query));
                    default -> respond(ctx, 501, "text/html", "Unsupported method ('" + method + "')");
                }
            }
            catch (RuntimeException e) {
                log.warn("REST API: {} {} failed", method, path, e);
                respond(ctx, 500, "text/html", "Internal error");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
        {
            ctx.close();
        }
    }

    private int headStatus(String path, Map<String, String> query)
    {
        String p = path.toLowerCase(java.util.Locale.ROOT);
        if (p.equals("/liveness")) {
            return liveness();
        }
        if (p.equals("/readiness")) {
            return readiness();
        }
        return HealthCheck.status(path, query, agent.status(), nanoTime.getAsLong());
    }

    private void get(ChannelHandlerContext ctx, String path, Map<String, String> query)
    {
        long now = nanoTime.getAsLong();
        switch (path) {
            case "/patroni" -> json(ctx, 200, StatusJson.node(agent.status(), agent.scope(), agent.name(), now));
            case "/cluster" -> {
                Optional<ClusterView> view = agent.cluster();
                if (view.isEmpty()) {
                    respond(ctx, 502, "text/html", "the store is unreachable");
                }
                else {
                    json(ctx, 200, StatusJson.cluster(view.get(), agent.scope()));
                }
            }
            case "/history" -> json(ctx, 200, agent.cluster().map(v -> (JsonNode) StatusJson.history(v.history())).orElse(PatroniCodec.JSON.createArrayNode()));
            case "/config" -> {
                Optional<ClusterView> view = agent.cluster();
                if (view.isPresent() && view.get().config().isPresent()) {
                    json(ctx, 200, view.get().config().get());
                }
                else {
                    respond(ctx, 502, "text/html", "config is missing or invalid in the store");
                }
            }
            case "/metrics" -> respond(ctx, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.render(agent.status()));
            case "/liveness" -> bare(ctx, liveness());
            case "/readiness" -> bare(ctx, readiness());
            default -> json(ctx, HealthCheck.status(path, query, agent.status(), now), StatusJson.node(agent.status(), agent.scope(), agent.name(), now));
        }
    }

    /** The loop is alive when it is not overdue by more than a ttl-like margin. */
    private int liveness()
    {
        io.herd.agent.NodeStatus status = agent.status();
        long overdue = nanoTime.getAsLong() - status.nextRunNanos();
        return overdue < java.util.concurrent.TimeUnit.SECONDS.toNanos(10) ? 200 : 503;
    }

    private int readiness()
    {
        io.herd.agent.NodeStatus status = agent.status();
        if (status.isLeader(nanoTime.getAsLong())) {
            return 200;
        }
        return status.running() && status.replicationState().map("streaming"::equals).orElse(false) ? 200 : 503;
    }

    private static void json(ChannelHandlerContext ctx, int status, JsonNode body)
    {
        respond(ctx, status, "application/json", PatroniCodec.write(body));
    }

    private static void respond(ChannelHandlerContext ctx, int status, String contentType, String body)
    {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.0 " + status + " " + reason(status) + "\r\n"
                + "Server: Herd\r\n"
                + "Content-Type: " + contentType + "\r\n"
                + "Content-Length: " + bytes.length + "\r\n"
                + "Connection: close\r\n\r\n";
        ByteBuf buf = Unpooled.wrappedBuffer(head.getBytes(StandardCharsets.US_ASCII), bytes);
        writeRaw(ctx, buf);
    }

    private static void bare(ChannelHandlerContext ctx, int status)
    {
        writeRaw(ctx, Unpooled.copiedBuffer("HTTP/1.0 " + status + " " + reason(status) + "\r\n\r\n", StandardCharsets.US_ASCII));
    }

    /** Bypasses the HTTP encoder so the bytes on the wire are exactly Patroni's. */
    private static void writeRaw(ChannelHandlerContext ctx, ByteBuf buf)
    {
        ctx.channel().pipeline().remove(HttpServerCodec.class);
        ctx.channel().writeAndFlush(buf).addListener(ChannelFutureListener.CLOSE);
    }

    private static String reason(int status)
    {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

}
