package io.herd.backup.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * A loopback TCP relay in front of a server that keeps a copy of what clients send (capped), so a test can check what
 * went over the wire (HTTP request headers) while the real server still answers. Bytes pass unchanged, so signed
 * requests stay valid.
 */
public final class RecordingRelay
        implements AutoCloseable
{
    private static final int MAX_RECORDED = 8 << 20;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final List<Socket> sockets = new ArrayList<>();

    public RecordingRelay(URI target)
            throws IOException
    {
        requireNonNull(target, "target is null");
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "recording-relay");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public URI endpoint()
    {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** What clients sent so far, as ISO-8859-1 text (headers readable, bodies as they are). */
    public String clientBytes()
    {
        synchronized (recorded) {
            return recorded.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private void acceptLoop()
    {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                pump(client.getInputStream(), upstream, true);
                pump(upstream.getInputStream(), client, false);
            }
            catch (IOException e) {
                // closed
            }
        }
    }

    private void pump(InputStream from, Socket to, boolean record)
    {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[64 << 10];
            try (OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = from.read(buffer)) > 0) {
                    if (record) {
                        synchronized (recorded) {
                            recorded.write(buffer, 0, Math.min(n, Math.max(0, MAX_RECORDED - recorded.size())));
                        }
                    }
                    out.write(buffer, 0, n);
                }
            }
            catch (IOException e) {
                // one side closed
            }
        }, "recording-relay-pump");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close()
            throws IOException
    {
        server.close();
        synchronized (sockets) {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
