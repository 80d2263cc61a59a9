package io.herd.proxy.relay;

import io.herd.proxy.Threads;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/** Native epoll when the platform has it (fewer syscalls and copies per relayed read), NIO otherwise. */
public record Transport(String name, EventLoopGroup acceptors, EventLoopGroup workers, Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel)
{
    public Transport
    {
        requireNonNull(name, "name is null");
        requireNonNull(acceptors, "acceptors is null");
        requireNonNull(workers, "workers is null");
        requireNonNull(serverChannel, "serverChannel is null");
        requireNonNull(socketChannel, "socketChannel is null");
    }

    /**
     * @param threads event loop threads for relaying; 0 means one per core. Not Netty's default of two per core: a
     *     relay thread never blocks, and on a 2-core machine shared with PostgreSQL each extra thread cost CPU per
     *     transaction (docs/benchmarks.md); HAProxy likewise runs one thread per core.
     */
    public static Transport create(int threads)
    {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must not be negative: " + threads);
        }
        if (threads == 0) {
            threads = Runtime.getRuntime().availableProcessors();
        }
        if (Epoll.isAvailable()) {
            return new Transport("epoll", new EpollEventLoopGroup(1, Threads.named("herd-proxy-accept")), new EpollEventLoopGroup(threads, Threads.named("herd-proxy-io")),
                    EpollServerSocketChannel.class, EpollSocketChannel.class);
        }
        return new Transport("nio", new NioEventLoopGroup(1, Threads.named("herd-proxy-accept")), new NioEventLoopGroup(threads, Threads.named("herd-proxy-io")),
                NioServerSocketChannel.class, NioSocketChannel.class);
    }

    public void shutdown()
    {
        acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
