package io.herd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * A real single-node etcd ({@code /usr/bin/etcd}) on free loopback ports with a temporary data directory.
 * It can be killed and started again on the same ports and data, for outage tests. Each start logs to
 * {@code etcd-<n>.log} in the temporary directory. Only the process this object started is ever signalled.
 */
public final class EtcdServer
        implements AutoCloseable
{
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final int clientPort;
    private final int peerPort;
    private final Optional<EtcdTls> tls;
    private Process process;
    private int starts;

    private EtcdServer(Path dir, Optional<EtcdTls> tls)
    {
        this.dir = requireNonNull(dir, "dir is null");
        this.tls = requireNonNull(tls, "tls is null");
        this.clientPort = FreePorts.next();
        int peer = FreePorts.next();
        while (peer == clientPort) {
            peer = FreePorts.next();
        }
        this.peerPort = peer;
    }

    /** Starts a plain-http etcd. */
    public static EtcdServer launch()
    {
        return launchWith(Optional.empty());
    }

    /** Starts an etcd that serves https and requires client certificates signed by {@code tls}'s CA. */
    public static EtcdServer launchTls(EtcdTls tls)
    {
        return launchWith(Optional.of(tls));
    }

    private static EtcdServer launchWith(Optional<EtcdTls> tls)
    {
        EtcdServer server;
        try {
            server = new EtcdServer(Files.createTempDirectory("herd-etcd-"), tls);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            server.start();
        }
        catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** {@code http://127.0.0.1:<port>} or {@code https://...} */
    public String endpoint()
    {
        return (tls.isPresent() ? "https" : "http") + "://127.0.0.1:" + clientPort;
    }

    public String host()
    {
        return "127.0.0.1";
    }

    public int clientPort()
    {
        return clientPort;
    }

    public Path directory()
    {
        return dir;
    }

    public synchronized boolean isRunning()
    {
        return process != null && process.isAlive();
    }

    /** Starts etcd (again) with the same ports and data directory and waits until it serves clients. */
    public synchronized void start()
    {
        if (isRunning()) {
            return;
        }
        starts++;
        Path log = dir.resolve("etcd-" + starts + ".log");
        List<String> command = new ArrayList<>(List.of(
                "/usr/bin/etcd",
                "--name", "default",
                "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", endpoint(),
                "--advertise-client-urls", endpoint(),
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", "default=http://127.0.0.1:" + peerPort,
                "--initial-cluster-state", "new",
                "--logger", "zap",
                "--log-outputs", "stderr"));
        tls.ifPresent(t -> command.addAll(List.of(
                "--cert-file", t.serverCert().toString(),
                "--key-file", t.serverKey().toString(),
                "--trusted-ca-file", t.caCert().toString(),
                "--client-cert-auth")));
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot start /usr/bin/etcd", e);
        }
        awaitReady(log);
    }

    private void awaitReady(Path log)
    {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + ": " + tail(log));
            }
            if (logSaysReady(log) && portOpen()) {
                return;
            }
            sleep(50);
        }
        String tail = tail(log);
        kill();
        throw new IllegalStateException("etcd did not become ready within " + START_TIMEOUT + ": " + tail);
    }

    private static boolean logSaysReady(Path log)
    {
        try {
            // etcd 3.4 with the zap logger: "serving client traffic (in)securely"; older loggers: "ready to serve client requests"
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.contains("serving client traffic") || text.contains("ready to serve client requests");
        }
        catch (IOException e) {
            return false;
        }
    }

    private boolean portOpen()
    {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", clientPort), 500);
            return true;
        }
        catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within 10 seconds. */
    public synchronized void stop()
    {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!waitFor(STOP_TIMEOUT)) {
            process.destroyForcibly();
            waitFor(STOP_TIMEOUT);
        }
        process = null;
    }

    /** SIGKILL: etcd vanishes without a goodbye, as in a crash. */
    public synchronized void kill()
    {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        waitFor(STOP_TIMEOUT);
        process = null;
    }

    private boolean waitFor(Duration timeout)
    {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops etcd and deletes its directory. */
    @Override
    public synchronized void close()
    {
        stop();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException ignored) {
            // best effort: a leftover temp directory is harmless
        }
    }

    private static String tail(Path log)
    {
        try {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            return text.length() > 2000 ? text.substring(text.length() - 2000) : text;
        }
        catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long millis)
    {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for etcd", e);
        }
    }

    @Override
    public String toString()
    {
        return "EtcdServer{" + endpoint() + ", dir=" + dir + "}";
    }
}
