package io.herd.proxy.health;

import io.herd.proxy.config.CheckSpec;
import io.herd.testing.FreePorts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

/** The probe against hand-written servers in the modes a health endpoint can fail in: answers, refuses, stalls, talks garbage. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TestHttpProbe
{
    private static final CheckSpec PRIMARY = new CheckSpec("OPTIONS", "/primary");
    private static final Duration TIMEOUT = Duration.ofMillis(500);

    @Test
    void bareStatusLine200AsPatroniWritesItPasses()
            throws Exception
    {
        assertThat(probeAgainst("HTTP/1.0 200 OK\r\n\r\n")).isEqualTo(ProbeResult.PASS);
    }

    @Test
    void status503Fails()
            throws Exception
    {
        assertThat(probeAgainst("HTTP/1.0 503 Service Unavailable\r\n\r\n")).isEqualTo(ProbeResult.FAIL);
    }

    @Test
    void garbageIsAnError()
            throws Exception
    {
        assertThat(probeAgainst("SSH-2.0-OpenSSH_9.2\r\n")).isEqualTo(ProbeResult.ERROR);
    }

    @Test
    void nothingListeningIsRefused()
    {
        assertThat(HttpProbe.probe(URI.create("http://127.0.0.1:" + FreePorts.next()), PRIMARY, TIMEOUT)).isEqualTo(ProbeResult.REFUSED);
    }

    @Test
    void serverThatNeverAnswersTimesOutWithinTheTimeout()
            throws Exception
    {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    return server.accept();
                }
                catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            long start = System.nanoTime();
            ProbeResult result = HttpProbe.probe(URI.create("http://127.0.0.1:" + server.getLocalPort()), PRIMARY, TIMEOUT);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(result).isEqualTo(ProbeResult.TIMEOUT);
            assertThat(millis).isBetween(400L, 3000L);
            accepted.get(5, TimeUnit.SECONDS).close();
        }
    }

    /** Serves one connection: reads the request head, writes {@code response}, closes. */
    private static ProbeResult probeAgainst(String response)
            throws Exception
    {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> request = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    InputStream in = socket.getInputStream();
                    StringBuilder head = new StringBuilder();
                    while (!head.toString().endsWith("\r\n\r\n")) {
                        int c = in.read();
                        if (c < 0) {
                            break;
                        }
                        head.append((char) c);
                    }
                    OutputStream out = socket.getOutputStream();
                    out.write(response.getBytes(US_ASCII));
                    out.flush();
                    return head.toString();
                }
                catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            ProbeResult result = HttpProbe.probe(URI.create("http://127.0.0.1:" + server.getLocalPort()), PRIMARY, Duration.ofSeconds(5));
            assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("OPTIONS /primary HTTP/1.0\r\n");
            return result;
        }
    }
}
