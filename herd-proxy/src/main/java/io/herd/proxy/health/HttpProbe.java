package io.herd.proxy.health;

import io.herd.proxy.config.CheckSpec;

import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;

import static java.nio.charset.StandardCharsets.US_ASCII;

/**
 * One blocking HTTP/1.0 request, reading only the status line. Patroni answers HEAD and OPTIONS with a bare
 * status line and no headers, which general HTTP clients reject; HAProxy's {@code option httpchk} also speaks
 * HTTP/1.0 and looks only at the status.
 */
public final class HttpProbe
{
    private HttpProbe() {}

    public static ProbeResult probe(URI api, CheckSpec check, Duration timeout)
    {
        boolean https = "https".equalsIgnoreCase(api.getScheme());
        int port = api.getPort() > 0 ? api.getPort() : https ? 443 : 80;
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        SocketFactory factory = https ? SSLSocketFactory.getDefault() : SocketFactory.getDefault();
        try (Socket socket = factory.createSocket()) {
            socket.connect(new InetSocketAddress(api.getHost(), port), millis);
            socket.setSoTimeout(millis);
            OutputStream out = socket.getOutputStream();
            String request = check.method() + " " + check.path() + " HTTP/1.0\r\nHost: " + api.getHost() + ":" + port
                    + "\r\nUser-Agent: herd-proxy\r\nConnection: close\r\n\r\n";
            out.write(request.getBytes(US_ASCII));
            out.flush();
            String statusLine = readLine(new java.io.BufferedInputStream(socket.getInputStream(), 512), deadline, socket);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                return ProbeResult.ERROR;
            }
            return parts[1].equals("200") ? ProbeResult.PASS : ProbeResult.FAIL;
        }
        catch (ConnectException e) {
            return ProbeResult.REFUSED;
        }
        catch (SocketTimeoutException e) {
            return ProbeResult.TIMEOUT;
        }
        catch (IOException | RuntimeException e) {
            return ProbeResult.ERROR;
        }
    }

    private static String readLine(InputStream in, long deadlineNanos, Socket socket)
            throws IOException
    {
        StringBuilder line = new StringBuilder();
        while (line.length() < 256) {
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new SocketTimeoutException("deadline");
            }
            // the overall timeout bounds a server that trickles bytes
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
            int c = in.read();
            if (c < 0 || c == '\n') {
                break;
            }
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
