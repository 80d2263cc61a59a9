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

    BackendHandler(Channel client, CounterDataPoint bytesToClient)
    {
        this.client = requireNonNull(client, "client is null");
        this.bytesToClient = requireNonNull(bytesToClient, "bytesToClient is null");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx)
    {
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        if (msg instanceof ByteBuf buf) {
            bytesToClient.inc(buf.readableBytes());
        }
        client.writeAndFlush(msg).addListener((ChannelFutureListener) future -> {
            if (future.isSuccess()) {
                ctx.channel().read();
            }
            else {
                future.channel().close();
                ctx.channel().close();
            }
        });
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
