package io.herd.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static java.util.Objects.requireNonNull;

/** Runs PostgreSQL's command-line tools with a deadline, their output appended to a log file. */
final class CommandRunner
{
    private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);
    private static final int TAIL_LINES = 20;

    private final Path logDir;

    CommandRunner(Path logDir)
    {
        this.logDir = requireNonNull(logDir, "logDir is null");
    }

    /** Exit code and output (stdout and stderr together) of one program run. */
    record Result(int exitCode, String output)
    {
        boolean succeeded()
        {
            return exitCode == 0;
        }

        String tail()
        {
            return CommandRunner.tail(output);
        }
    }

    /**
     * Runs {@code command}, stdin from /dev/null, and waits for it at most {@code timeout}; kills it after that
     * or when this thread is interrupted. Environment: ours plus {@code LC_ALL=C} plus {@code env}.
     *
     * @throws PostgresException when it cannot start or does not finish in time
     */
    Result run(List<String> command, Map<String, String> env, Duration timeout)
    {
        String program = Path.of(command.get(0)).getFileName().toString();
        try {
            Files.createDirectories(logDir);
            Path output = Files.createTempFile(logDir, program + "-", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile());
                builder.environment().put("LC_ALL", "C");
                builder.environment().putAll(env);
                log.debug("running {}", command);
                Process process = builder.start();
                try {
                    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        process.destroyForcibly();
                        throw new PostgresException(program + " did not finish within " + timeout + ":\n" + tail(read(output)));
                    }
                }
                catch (InterruptedException e) {
                    process.destroyForcibly();
                    Thread.currentThread().interrupt();
                    throw new PostgresException(program + " interrupted", e);
                }
                String text = read(output);
                appendToLog(program, command, process.exitValue(), text);
                return new Result(process.exitValue(), text);
            }
            finally {
                Files.deleteIfExists(output);
            }
        }
        catch (IOException e) {
            throw new PostgresException("cannot run " + program + ": " + e.getMessage(), e);
        }
    }

    /** Like {@link #run} but throws with the output's tail when the exit code is not 0. */
    Result runChecked(List<String> command, Map<String, String> env, Duration timeout)
    {
        Result result = run(command, env, timeout);
        if (!result.succeeded()) {
            throw new PostgresException(Path.of(command.get(0)).getFileName() + " failed with exit code " + result.exitCode() + ":\n" + result.tail());
        }
        return result;
    }

    private void appendToLog(String program, List<String> command, int exitCode, String text)
            throws IOException
    {
        String entry = "--- " + java.time.Instant.now() + " " + String.join(" ", command) + " (exit " + exitCode + ")\n" + text;
        Files.writeString(logDir.resolve("commands.log"), entry.endsWith("\n") ? entry : entry + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    private static String read(Path file)
    {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of a program's output, for exception messages. */
    static String tail(String text)
    {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    }

    /** The last lines of a file, empty when it cannot be read. */
    static String tail(Path file)
    {
        try {
            byte[] bytes = Files.readAllBytes(file);
            int from = Math.max(0, bytes.length - 16_384);
            return tail(new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8));
        }
        catch (IOException e) {
            return "";
        }
    }
}
