package io.herd.proxy.relay;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/** Binds every listener; accepted connections start with auto-read off so nothing is read before a backend is connected. */
public final class ProxyServer
{
    private final Map<String, Channel> bound = new LinkedHashMap<>();

    public ProxyServer(Transport transport, List<ListenerContext> listeners)
    {
        requireNonNull(transport, "transport is null");
        List<Channel> opened = new ArrayList<>();
        for (ListenerContext listener : listeners) {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(transport.acceptors(), transport.workers())
                    .channel(transport.serverChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childHandler(new ProxyInitializer(listener));
            String host = listener.config().bind().host();
            try {
                Channel channel = bootstrap.bind(new InetSocketAddress(host, listener.config().bind().port())).syncUninterruptibly().channel();
                opened.add(channel);
                bound.put(listener.name(), channel);
            }
            catch (RuntimeException e) {
                opened.forEach(Channel::close);
                throw new IllegalStateException("cannot listen on " + listener.config().bind() + " (listener " + listener.name() + "): " + e.getMessage(), e);
            }
        }
    }

    public int port(String listener)
    {
        return ((InetSocketAddress) bound.get(listener).localAddress()).getPort();
    }

    /** Stops accepting; connections already relayed are not touched. */
    public void stopAccepting()
    {
        bound.values().forEach(channel -> channel.close().syncUninterruptibly());
    }
}
