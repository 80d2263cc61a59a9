package io.herd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random free loopback ports for tests. A port the kernel hands out for bind(0) comes from the ephemeral range, where
 * it can be handed out again once released, or taken by any outgoing connection's local end before the test's server
 * binds it (seen: a PostgreSQL port taken by an agent's REST API). So ports are drawn below the ephemeral range, each
 * at most once per JVM, and checked to be bindable.
 */
public final class FreePorts
{
    private static final int LOWEST = 10_000;
    private static final int EPHEMERAL_START = ephemeralRangeStart();
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {}

    public static int next()
    {
        if (EPHEMERAL_START - LOWEST >= 1_000) {
            for (int attempt = 0; attempt < 1_000; attempt++) {
                int port = ThreadLocalRandom.current().nextInt(LOWEST, EPHEMERAL_START);
                if (HANDED_OUT.add(port) && bindable(port)) {
                    return port;
                }
            }
        }
        // no room below the ephemeral range: let the kernel pick, but still never hand out a port twice
        for (int attempt = 0; attempt < 1_000; attempt++) {
            int port = kernelPick();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port found");
    }

    private static boolean bindable(int port)
    {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    private static int kernelPick()
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first port Linux uses for outgoing connections (32768 by default). */
    private static int ephemeralRangeStart()
    {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range"), StandardCharsets.US_ASCII).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        }
        catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
