package io.herd.proxy.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;

import static java.util.Objects.requireNonNull;

/**
 * Relays backend bytes to the client: writes each chunk without a promise, flushes once per read batch, and stops
 * reading the backend while the client is not writable (backpressure by writability, resumed by the client side).
 */
final class BackendHandler
        extends ChannelInboundHandlerAdapter
{
    private final Channel client;
    private final CounterDataPoint bytesToClient;
    private Channel backend;

    BackendHandler(Channel client, CounterDataPoint bytesToClient)
    {
        this.client = requireNonNull(client, "client is null");
        this.bytesToClient = requireNonNull(bytesToClient, "bytesToClient is null");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx)
    {
        backend = ctx.channel();
        backend.config().setAutoRead(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        if (msg instanceof ByteBuf buf) {
            bytesToClient.inc(buf.readableBytes());
        }
        // a failed write fires exceptionCaught on the client, which closes both sides
        client.write(msg, client.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx)
    {
        client.flush();
        if (!client.isWritable()) {
            backend.config().setAutoRead(false);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx)
    {
        // the backend drained what we relayed from the client: read the client again
        if (ctx.channel().isWritable()) {
            client.config().setAutoRead(true);
        }
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
