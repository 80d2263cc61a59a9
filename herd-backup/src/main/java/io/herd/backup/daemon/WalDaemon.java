package io.herd.backup.daemon;

import io.herd.backup.wal.WalArchive;
import io.herd.backup.wal.WalPrefetchUploader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.util.Objects.requireNonNull;

/**
 * WAL-G-compatible daemon on a Unix socket, so archive_command/restore_command can be a tiny client (walg-daemon-client)
 * instead of a JVM start per segment. A push names a file in $PGDATA/pg_wal (or gives an absolute path); a relative
 * fetch destination is joined to PGDATA. The connection closes after a push or fetch reply.
 */
public final class WalDaemon
        implements Closeable
{
    private static final Logger log = LoggerFactory.getLogger(WalDaemon.class);

    private final WalArchive archive;
    private final Optional<WalPrefetchUploader> lookAhead;
    private final Optional<Path> pgData;
    private final Path socket;
    private final ExecutorService connections;
    private ServerSocketChannel server;
    private Thread acceptor;

    public WalDaemon(WalArchive archive, Optional<Path> pgData, Path socket, int maxConnections)
    {
        this(archive, Optional.empty(), pgData, socket, maxConnections);
    }

    /** With a look-ahead uploader, pushes go through it (it must watch $PGDATA/pg_wal); the caller closes it. */
    public WalDaemon(WalArchive archive, Optional<WalPrefetchUploader> lookAhead, Optional<Path> pgData, Path socket, int maxConnections)
    {
        this.archive = requireNonNull(archive, "archive is null");
        this.lookAhead = requireNonNull(lookAhead, "lookAhead is null");
        this.pgData = requireNonNull(pgData, "pgData is null");
        this.socket = requireNonNull(socket, "socket is null");
        AtomicInteger threads = new AtomicInteger();
        this.connections = Executors.newFixedThreadPool(maxConnections, runnable -> {
            Thread thread = new Thread(runnable, "herd-wal-daemon-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public synchronized void start()
            throws IOException
    {
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        acceptor = new Thread(this::acceptLoop, "herd-wal-daemon-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        log.info("WAL daemon listening on {}", socket);
    }

    public Path socket()
    {
        return socket;
    }

    /** Blocks until the daemon is closed. */
    public void awaitClosed()
            throws InterruptedException
    {
        Thread thread;
        synchronized (this) {
            thread = acceptor;
        }
        if (thread != null) {
            thread.join();
        }
    }

    private void acceptLoop()
    {
        while (true) {
            SocketChannel channel;
            try {
                channel = server.accept();
            }
            catch (ClosedChannelException e) {
                return;
            }
            catch (IOException e) {
                log.warn("WAL daemon accept failed: {}", e.getMessage());
                continue;
            }
            connections.execute(() -> serve(channel));
        }
    }

    private void serve(SocketChannel channel)
    {
        try (channel; InputStream in = Channels.newInputStream(channel); OutputStream out = Channels.newOutputStream(channel)) {
            while (true) {
                Optional<DaemonProtocol.Frame> frame = DaemonProtocol.read(in);
                if (frame.isEmpty()) {
                    return;
                }
                switch (frame.get().type()) {
                    case DaemonProtocol.CHECK -> reply(out, DaemonProtocol.OK);
                    case DaemonProtocol.WAL_PUSH -> {
                        reply(out, push(new String(frame.get().body(), StandardCharsets.UTF_8)));
                        return;
                    }
                    case DaemonProtocol.WAL_FETCH -> {
                        reply(out, fetch(frame.get().body()));
                        return;
                    }
                    default -> {
                        log.warn("WAL daemon: unknown message type {}", frame.get().type());
                        reply(out, DaemonProtocol.ERROR);
                        return;
                    }
                }
            }
        }
        catch (IOException | RuntimeException e) {
            log.warn("WAL daemon connection failed: {}", e.getMessage());
        }
    }

    private byte push(String name)
    {
        try {
            Path file = Path.of(name);
            if (!file.isAbsolute()) {
                if (pgData.isEmpty()) {
                    log.error("wal-push {}: PGDATA is not set, so a bare file name cannot be resolved", name);
                    return DaemonProtocol.ERROR;
                }
                file = pgData.get().resolve("pg_wal").resolve(name);
            }
            if (lookAhead.isPresent()) {
                lookAhead.get().push(file);
            }
            else {
                archive.push(file);
            }
            return DaemonProtocol.OK;
        }
        catch (IOException | RuntimeException e) {
            log.error("wal-push {} failed: {}", name, e.getMessage());
            return DaemonProtocol.ERROR;
        }
    }

    private byte fetch(byte[] body)
    {
        try {
            List<String> arguments = DaemonProtocol.decodeArguments(body);
            if (arguments.size() != 2) {
                log.error("wal-fetch needs 2 arguments, got {}", arguments.size());
                return DaemonProtocol.ERROR;
            }
            Path destination = Path.of(arguments.get(1));
            if (!destination.isAbsolute()) {
                if (pgData.isEmpty()) {
                    log.error("wal-fetch {}: PGDATA is not set, so the relative destination cannot be resolved", arguments.get(0));
                    return DaemonProtocol.ERROR;
                }
                destination = pgData.get().resolve(destination);
            }
            return archive.fetch(arguments.get(0), destination) == WalArchive.FetchResult.FETCHED ? DaemonProtocol.OK : DaemonProtocol.NOT_FOUND;
        }
        catch (IOException | RuntimeException e) {
            log.error("wal-fetch failed: {}", e.getMessage());
            return DaemonProtocol.ERROR;
        }
    }

    private static void reply(OutputStream out, byte code)
            throws IOException
    {
        out.write(code);
        out.flush();
    }

    @Override
    public synchronized void close()
    {
        try {
            if (server != null) {
                server.close();
            }
        }
        catch (IOException ignored) {
            // closing anyway
        }
        connections.shutdownNow();
        try {
            connections.awaitTermination(5, TimeUnit.SECONDS);
            Files.deleteIfExists(socket);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        catch (IOException ignored) {
            // stale socket file; the next start removes it
        }
    }
}
