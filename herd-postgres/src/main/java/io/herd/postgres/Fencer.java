package io.herd.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/**
 * A watchdog that stops the local PostgreSQL when the agent stops confirming its leadership: Herd's replacement
 * for Patroni's /dev/watchdog.
 *
 * <p>A small bash process (no JVM start-up cost) runs in its own session, so it survives the agent, and reads
 * commands from a pipe whose write end only the agent holds. After each successful leader renewal the agent sends
 * {@link #arm} with the time left before the fence must fire (lease expiry minus a safety margin). The fencer runs
 * {@code pg_ctl stop -m immediate} (and, should that fail, kills the postmaster with SIGKILL) when
 * <ul>
 * <li>the time passes without a new command: the agent hangs or cannot renew;</li>
 * <li>the pipe closes while armed: the agent died, even by {@code kill -9}.</li>
 * </ul>
 * After firing it logs one line to its log file and exits. {@link #disarm} (on demotion or a clean shutdown) turns
 * both off; closing the pipe while disarmed ends the fencer quietly.
 *
 * <p>Thread safety: methods are synchronized; one instance per PostgreSQL data directory.
 */
public final class Fencer
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(Fencer.class);
    private static final String SCRIPT_RESOURCE = "herd-fencer.sh";
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final OutputStream commands;
    private boolean closed; // guarded by this

    private Fencer(Process process)
    {
        this.process = process;
        this.commands = process.getOutputStream();
    }

    /**
     * Starts a disarmed fencer for the PostgreSQL in {@code dataDir}. The script is written next to the log file.
     *
     * @param logFile receives the fencer's one line per fence (and anything the script prints)
     */
    public static Fencer start(Path dataDir, Path binDir, Path logFile)
    {
        requireNonNull(dataDir, "dataDir is null");
        requireNonNull(binDir, "binDir is null");
        requireNonNull(logFile, "logFile is null");
        try {
            Path script = installScript(logFile.toAbsolutePath().getParent());
            List<String> command = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
                command.add("/usr/bin/setsid"); // new session: no terminal or process-group signal meant for the agent reaches it
            }
            command.addAll(List.of("/bin/bash", script.toString(), dataDir.toAbsolutePath().toString(), binDir.toAbsolutePath().toString(),
                    logFile.toAbsolutePath().toString()));
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            log.info("fencer for {} started as pid {}", dataDir, process.pid());
            return new Fencer(process);
        }
        catch (IOException e) {
            throw new PostgresException("cannot start the fencer: " + e.getMessage(), e);
        }
    }

    /**
     * Writes the fencer script into {@code directory} (mode 0700) and returns its path; it takes the arguments
     * {@code <data dir> <bin dir> <log file>} and reads commands on stdin.
     */
    public static Path installScript(Path directory)
            throws IOException
    {
        Files.createDirectories(directory);
        Path script = directory.resolve(SCRIPT_RESOURCE);
        try (InputStream resource = Fencer.class.getResourceAsStream(SCRIPT_RESOURCE)) {
            if (resource == null) {
                throw new IOException("resource " + SCRIPT_RESOURCE + " is missing");
            }
            Path temp = Files.createTempFile(directory, ".herd-fencer", ".tmp");
            Files.write(temp, resource.readAllBytes());
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rwx------"));
            Files.move(temp, script, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        return script;
    }

    /**
     * Arms (or re-arms) the fence: it fires unless another command arrives within {@code remaining}.
     *
     * @throws PostgresException when the fencer is no longer running: PostgreSQL is then unprotected (or already fenced)
     */
    public synchronized void arm(Duration remaining)
    {
        requireNonNull(remaining, "remaining is null");
        long micros = Math.max(0, TimeUnit.NANOSECONDS.toMicros(remaining.toNanos()));
        send(String.format(Locale.ROOT, "arm %d.%06d", micros / 1_000_000, micros % 1_000_000));
    }

    /** Turns the fence off until the next {@link #arm}. */
    public synchronized void disarm()
    {
        send("disarm");
    }

    public boolean isAlive()
    {
        return process.isAlive();
    }

    public long pid()
    {
        return process.pid();
    }

    /** Disarms, closes the pipe and waits for the fencer to exit. */
    @Override
    public synchronized void close()
    {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                commands.write("disarm\n".getBytes(StandardCharsets.US_ASCII));
                commands.flush();
            }
        }
        catch (IOException e) {
            log.debug("fencer pipe already closed", e);
        }
        try {
            commands.close();
        }
        catch (IOException ignored) {
            // the fencer is gone
        }
        try {
            if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("fencer pid {} did not exit after the pipe closed; killing it", process.pid());
                process.destroyForcibly();
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void send(String line)
    {
        if (closed) {
            throw new IllegalStateException("fencer is closed");
        }
        try {
            commands.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            commands.flush();
        }
        catch (IOException e) {
            throw new PostgresException("the fencer (pid " + process.pid() + ") is not running: " + e.getMessage(), e);
        }
        if (!process.isAlive()) {
            throw new PostgresException("the fencer (pid " + process.pid() + ") is not running");
        }
    }
}
