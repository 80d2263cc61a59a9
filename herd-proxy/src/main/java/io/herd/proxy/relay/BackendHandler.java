package io.herd.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

import static java.util.Objects.requireNonNull;

/** Relays backend bytes to the client; reads the next chunk only once the client took the last (backpressure). */
final class BackendHandler
        extends ChannelInboundHandlerAdapter
{
    private final Channel client;
    private final CounterDataPoint bytesToClient;
    private Channel backend;
    /** One listener for every write to the client: read the next chunk from the backend only once this one is written. */
    private final ChannelFutureListener afterWrite = future -> {
        if (future.isSuccess()) {
            backend.read();
        }
        else {
            future.channel().close();
            backend.close();
        }
    };

    BackendHandler(Channel client, CounterDataPoint bytesToClient)
    {
        this.client = requireNonNull(client, "client is null");
        this.bytesToClient = requireNonNull(bytesToClient, "bytesToClient is null");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx)
    {
        backend = ctx.channel();
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        if (msg instanceof ByteBuf buf) {
            bytesToClient.inc(buf.readableBytes());
        }
        client.writeAndFlush(msg).addListener(afterWrite);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx)
    {
        FrontendHandler.closeOnFlush(client);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
    {
        FrontendHandler.closeOnFlush(ctx.channel());
    }
}
