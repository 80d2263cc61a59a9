package io.herd.proxy.relay;

import io.herd.proxy.routing.Backend;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * One client connection: picks a backend, connects to it on the client's own event loop (no thread hop, no lock),
 * then relays bytes: each chunk written without a promise, one flush per read batch, reading paused while the
 * other side is not writable. With no backend
 * it waits (bounded) for one; every field is confined to the client's event loop.
 */
final class FrontendHandler
        extends ChannelInboundHandlerAdapter
{
    private final ListenerContext listener;
    private final Runnable wakeUp;

    private ChannelHandlerContext ctx;
    private Channel backend;
    private CounterDataPoint bytesToBackend;
    private boolean waiting;
    private int connectAttempts;
    private ScheduledFuture<?> waitTimeout;
    FrontendHandler(ListenerContext listener)
    {
        this.listener = requireNonNull(listener, "listener is null");
        // called from the router thread: hop onto our event loop
        this.wakeUp = () -> {
            ChannelHandlerContext context = ctx;
            if (context != null) {
                context.executor().execute(this::retry);
            }
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        listener.connections().all().add(ctx.channel());
        connect();
    }

    private void connect()
    {
        Channel client = ctx.channel();
        if (!client.isActive()) {
            return;
        }
        Optional<Backend> picked = listener.pick();
        if (picked.isEmpty()) {
            await();
            return;
        }
        Backend target = picked.get();
        Bootstrap bootstrap = new Bootstrap()
                .group(client.eventLoop())
                .channel(listener.transport().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, listener.config().connectTimeout().toMillis()))
                .handler(new BackendHandler(client, listener.metrics().bytes(listener.name(), target.name(), "to_client")));
        ChannelFuture connected = bootstrap.connect(target.postgres().host(), target.postgres().port());
        backend = connected.channel();
        connected.addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess()) {
                // a replica that refuses is skipped; the leader is tried once, as there is no other
                connectAttempts++;
                if (client.isActive() && connectAttempts < listener.routedCount()) {
                    connect();
                    return;
                }
                listener.metrics().rejected(listener.name(), "connect_failed");
                client.close();
                return;
            }
            if (!client.isActive()) {
                future.channel().close();
                return;
            }
            listener.connections().relayed(listener.name(), target, client);
            listener.metrics().opened(listener.name(), target.name());
            future.channel().closeFuture().addListener(closed -> listener.metrics().closed(listener.name(), target.name()));
            if (!listener.stillRouted(target)) {
                // the leader moved while we connected, after the registry closed that backend's clients
                client.close();
                return;
            }
            bytesToBackend = listener.metrics().bytes(listener.name(), target.name(), "to_backend");
            client.config().setAutoRead(true);
        });
    }

    private void await()
    {
        if (waitTimeout == null) {
            long millis = listener.config().waitForLeader().toMillis();
            if (millis <= 0) {
                reject();
                return;
            }
            waitTimeout = ctx.executor().schedule(() -> {
                if (waiting) {
                    waiting = false;
                    listener.connections().stopWaiting(listener.name(), wakeUp);
                    reject();
                }
            }, millis, TimeUnit.MILLISECONDS);
        }
        waiting = true;
        listener.connections().await(listener.name(), wakeUp);
        if (listener.pick().isPresent()) {
            // routes appeared between our pick and our registration
            listener.connections().stopWaiting(listener.name(), wakeUp);
            retry();
        }
    }

    private void retry()
    {
        if (!waiting) {
            return;
        }
        waiting = false;
        connect();
    }

    private void reject()
    {
        listener.metrics().rejected(listener.name(), "no_backend");
        ctx.channel().close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        if (backend == null || !backend.isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf && bytesToBackend != null) {
            bytesToBackend.inc(buf.readableBytes());
        }
        // a failed write fires exceptionCaught on the backend, which closes both sides
        backend.write(msg, backend.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx)
    {
        if (backend != null && backend.isActive()) {
            backend.flush();
            if (!backend.isWritable()) {
                ctx.channel().config().setAutoRead(false);
            }
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx)
    {
        // the client drained what we relayed from the backend: read the backend again
        if (ctx.channel().isWritable() && backend != null) {
            backend.config().setAutoRead(true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx)
    {
        if (waiting) {
            waiting = false;
            listener.connections().stopWaiting(listener.name(), wakeUp);
        }
        if (waitTimeout != null) {
            waitTimeout.cancel(false);
        }
        if (backend != null) {
            closeOnFlush(backend);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
    {
        closeOnFlush(ctx.channel());
    }

    /** Closes after what is already queued has been written, so the last bytes in either direction are not lost. */
    static void closeOnFlush(Channel channel)
    {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
