package io.herd.backup;

import io.herd.backup.daemon.WalDaemon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The no-JVM archive_command/restore_command clients (the native one built from herd-backup/src/main/c, the Python
 * one, and bin/herd-wal-client, which runs whichever is there) against a real {@link WalDaemon} on a temp socket and
 * a real filesystem archive: push, fetch, not found, daemon errors and an unreachable socket; then per-call latency
 * compared with the JVM client {@code DaemonClientMain} (printed, not asserted: the machine may be shared).
 */
class TestWalClientScript
{
    private static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path temp;

    static Stream<String> clients()
    {
        return Stream.of("bin/herd-wal-client", "bin/herd-wal-client.py", "herd-backup/target/herd-wal-client");
    }

    @ParameterizedTest
    @MethodSource("clients")
    @Timeout(300)
    void clientPushesFetchesAndReportsNotFound(String client)
            throws Exception
    {
        Path script = client(client);
        Path pgData = Files.createDirectories(temp.resolve("pgdata"));
        Files.createDirectories(pgData.resolve("pg_wal"));
        byte[] content = new byte[16 << 20];
        new Random(7).nextBytes(content);
        Files.write(pgData.resolve("pg_wal").resolve(SEGMENT), content);
        Path archive = Files.createDirectories(temp.resolve("archive"));
        Path socket = temp.resolve("wal.sock");
        try (BackupService service = BackupService.fromEnv(Map.of("WALG_FILE_PREFIX", archive.toString(), "WALG_COMPRESSION_METHOD", "zstd"));
                WalDaemon daemon = new WalDaemon(service.walArchive(), Optional.of(pgData), socket, 4)) {
            daemon.start();

            // as PostgreSQL calls them: in PGDATA, with %p relative
            Result push = run(pgData, script.toString(), socket.toString(), "wal-push", "pg_wal/" + SEGMENT);
            assertThat(push.exitCode()).as(push.stderr()).isEqualTo(0);
            assertThat(archive.resolve("wal_005/" + SEGMENT + ".zst")).exists();

            Result again = run(pgData, script.toString(), socket.toString(), "wal-push", "pg_wal/" + SEGMENT);
            assertThat(again.exitCode()).as("identical content pushed twice is fine").isEqualTo(0);

            Result fetch = run(pgData, script.toString(), socket.toString(), "wal-fetch", SEGMENT, "pg_wal/RECOVERYXLOG");
            assertThat(fetch.exitCode()).as(fetch.stderr()).isEqualTo(0);
            assertThat(Files.readAllBytes(pgData.resolve("pg_wal/RECOVERYXLOG"))).isEqualTo(content);

            Result missing = run(pgData, script.toString(), socket.toString(), "wal-fetch", "000000010000000000000004", "pg_wal/RECOVERYXLOG2");
            assertThat(missing.exitCode()).as("not found").isEqualTo(74);
            assertThat(pgData.resolve("pg_wal/RECOVERYXLOG2")).doesNotExist();

            Result history = run(pgData, script.toString(), socket.toString(), "wal-fetch", "00000002.history", "pg_wal/RECOVERYHISTORY");
            assertThat(history.exitCode()).isEqualTo(74);

            Result noFile = run(pgData, script.toString(), socket.toString(), "wal-push", "pg_wal/000000010000000000000099");
            assertThat(noFile.exitCode()).as("daemon answers E").isEqualTo(1);
            assertThat(noFile.stderr()).contains("wal-push").contains("failed");

            Result usage = run(pgData, script.toString(), socket.toString(), "wal-push");
            assertThat(usage.exitCode()).isEqualTo(1);
            assertThat(usage.stderr()).contains("usage");

            Result unreachable = run(pgData, script.toString(), temp.resolve("nobody.sock").toString(), "wal-fetch", SEGMENT, "pg_wal/X");
            assertThat(unreachable.exitCode()).as("no daemon must not look like 'not found'").isEqualTo(1);
            assertThat(unreachable.stderr()).contains("cannot reach");

            measureLatency(client, script, socket, pgData);
        }
    }

    @ParameterizedTest
    @MethodSource("clients")
    @Timeout(60)
    void clientGivesUpOnADaemonThatNeverAnswers(String client)
            throws Exception
    {
        Path socket = temp.resolve("silent.sock");
        try (ServerSocketChannel silent = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.bind(UnixDomainSocketAddress.of(socket));
            // accepts (the kernel queues the connection) but never reads or answers
            long start = System.nanoTime();
            Result result = run(temp, Map.of("HERD_WAL_CLIENT_TIMEOUT", "0.5"), client(client).toString(), socket.toString(), "wal-push", "pg_wal/" + SEGMENT);
            assertThat(result.exitCode()).as("a timeout must not look like success or 'not found'").isEqualTo(1);
            assertThat(result.stderr()).contains("cannot reach").containsIgnoringCase("timed out");
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(30);
        }
    }

    @Test
    void launcherFallsBackToThePythonClientWhereNoNativeClientWasBuilt()
            throws Exception
    {
        // an installation of bin/ alone, without herd-backup/target/herd-wal-client beside it
        Path bin = Files.createDirectories(temp.resolve("install").resolve("bin"));
        for (String name : List.of("herd-wal-client", "herd-wal-client.py")) {
            Files.copy(client("bin/" + name), bin.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Result result = run(temp, bin.resolve("herd-wal-client").toString(), temp.resolve("nobody.sock").toString(), "wal-push", "pg_wal/" + SEGMENT);
        assertThat(result.exitCode()).isEqualTo(1);
        // Python words an OSError as "[Errno 2] ..."; the native client prints strerror alone
        assertThat(result.stderr()).contains("cannot reach").contains("[Errno");
    }

    /** Median and mean wall time per wal-fetch call: the script vs the JVM client, against the same daemon. */
    private void measureLatency(String label, Path script, Path socket, Path pgData)
            throws Exception
    {
        Path classes = Path.of(WalDaemon.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int calls = Integer.getInteger("herd.walClientLatencyCalls", 10);
        long[] scriptNanos = new long[calls];
        long[] jvmNanos = new long[calls];
        for (int i = 0; i < calls; i++) {
            // a missing segment: measures the client and the round trip, not decompression
            long start = System.nanoTime();
            assertThat(run(pgData, script.toString(), socket.toString(), "wal-fetch", "0000000100000000000000FF", "pg_wal/X").exitCode()).isEqualTo(74);
            scriptNanos[i] = System.nanoTime() - start;
            start = System.nanoTime();
            assertThat(run(pgData, java, "-cp", classes.toString(), "io.herd.backup.daemon.DaemonClientMain", socket.toString(),
                    "wal-fetch", "0000000100000000000000FF", "pg_wal/X").exitCode()).isEqualTo(74);
            jvmNanos[i] = System.nanoTime() - start;
        }
        System.out.printf("%s latency over %d calls: median %.1f ms mean %.1f ms; DaemonClientMain (JVM) median %.1f ms mean %.1f ms%n",
                label, calls, median(scriptNanos), mean(scriptNanos), median(jvmNanos), mean(jvmNanos));
    }

    private static double median(long[] nanos)
    {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }

    private static double mean(long[] nanos)
    {
        return Arrays.stream(nanos).average().orElse(0) / 1e6;
    }

    private static Path client(String relativePath)
    {
        // surefire runs in the module directory; the clients live in the repository's bin/ and this module's target/
        Path base = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
        Path client = base.resolveSibling(relativePath);
        if (relativePath.startsWith("herd-backup/target/")) {
            // built in the compile phase whenever a C compiler is present (scripts/install-deps installs one)
            assumeTrue(Files.isExecutable(client) || !compilerPresent(), "no C compiler, so no native client was built");
        }
        assertThat(client).as(relativePath).isExecutable();
        return client;
    }

    private static boolean compilerPresent()
    {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(directory -> !directory.isEmpty() && Files.isExecutable(Path.of(directory, System.getenv().getOrDefault("CC", "cc"))));
    }

    private record Result(int exitCode, String stderr) {}

    private static Result run(Path directory, String... command)
            throws IOException, InterruptedException
    {
        return run(directory, Map.of(), command);
    }

    private static Result run(Path directory, Map<String, String> environment, String... command)
            throws IOException, InterruptedException
    {
        List<String> arguments = new ArrayList<>(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(arguments)
                .directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] stderr = process.getErrorStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + arguments);
        }
        return new Result(process.exitValue(), new String(stderr, StandardCharsets.UTF_8));
    }
}
