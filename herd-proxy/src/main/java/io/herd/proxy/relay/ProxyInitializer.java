package io.herd.proxy.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;

import static java.util.Objects.requireNonNull;

/** One {@link FrontendHandler} per accepted client connection of a listener. */
public final class ProxyInitializer
        extends ChannelInitializer<Channel>
{
    private final ListenerContext listener;

    public ProxyInitializer(ListenerContext listener)
    {
        this.listener = requireNonNull(listener, "listener is null");
    }

    @Override
    protected void initChannel(Channel channel)
    {
        channel.pipeline().addLast(new FrontendHandler(listener));
    }
}
