package io.herd.backup;

import io.herd.backup.storage.StoredObject;
import io.herd.backup.testing.Cli;
import io.herd.backup.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class TestWalArchive
{
    private static final int SEGMENT = 16 << 20;
    private static final AtomicInteger COUNTER = new AtomicInteger();

    @TempDir
    static Path temp;
    private static S3ProxyServer s3;

    @BeforeAll
    static void startS3()
            throws Exception
    {
        s3 = new S3ProxyServer(Files.createDirectories(temp.resolve("s3proxy")));
    }

    @AfterAll
    static void stopS3()
            throws Exception
    {
        s3.close();
    }

    private static Map<String, String> env(StorageKind kind, String... settings)
            throws Exception
    {
        Map<String, String> env = new HashMap<>(kind.environment(s3, temp, "w" + COUNTER.incrementAndGet()));
        for (int i = 0; i < settings.length; i += 2) {
            env.put(settings[i], settings[i + 1]);
        }
        return env;
    }

    private static Path segment(String name, long seed)
            throws Exception
    {
        byte[] content = new byte[SEGMENT];
        Random random = new Random(seed);
        // compressible like real WAL: random runs separated by zeros
        for (int i = 0; i < content.length; i += 8192) {
            byte[] chunk = new byte[1024];
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, content, i, chunk.length);
        }
        Path directory = Files.createDirectories(temp.resolve("pg_wal-" + COUNTER.incrementAndGet()));
        return Files.write(directory.resolve(name), content);
    }

    private static List<String> keys(Map<String, String> env)
            throws Exception
    {
        try (BackupService service = BackupService.fromEnv(env)) {
            return service.storage().list("").stream().map(StoredObject::key).toList();
        }
    }

    @ParameterizedTest
    @EnumSource(StorageKind.class)
    void pushAndFetchEveryCompression(StorageKind kind)
            throws Exception
    {
        for (String method : List.of("lz4", "zstd", "brotli", "none")) {
            Map<String, String> env = env(kind, "WALG_COMPRESSION_METHOD", method);
            Path segment = segment("000000010000000000000001", method.hashCode());
            Path history = Files.writeString(segment.resolveSibling("00000002.history"), "1\t0/3000000\tno recovery target specified\n");
            Path backupFile = Files.writeString(segment.resolveSibling("000000010000000000000002.00000028.backup"), "START WAL LOCATION: 0/2000028\n");

            for (Path file : List.of(segment, history, backupFile)) {
                Cli.Result push = Cli.run(env, "wal-push", file.toString());
                assertThat(push.exitCode()).as(push.err()).isZero();
            }
            String ext = switch (method) {
                case "lz4" -> ".lz4";
                case "zstd" -> ".zst";
                case "brotli" -> ".br";
                default -> "";
            };
            assertThat(keys(env)).containsExactlyInAnyOrder(
                    "wal_005/000000010000000000000001" + ext,
                    "wal_005/00000002.history" + ext,
                    "wal_005/000000010000000000000002.00000028.backup" + ext);

            // fetch with another configured method: the extension is found by probing
            Map<String, String> fetchEnv = new HashMap<>(env);
            fetchEnv.put("WALG_COMPRESSION_METHOD", method.equals("lz4") ? "zstd" : "lz4");
            Path restored = temp.resolve("restored-" + COUNTER.incrementAndGet());
            Files.createDirectories(restored);
            for (Path file : List.of(segment, history, backupFile)) {
                Path dest = restored.resolve("RECOVERYXLOG-" + file.getFileName());
                Cli.Result fetch = Cli.run(fetchEnv, "wal-fetch", file.getFileName().toString(), dest.toString());
                assertThat(fetch.exitCode()).as(fetch.err()).isZero();
                assertThat(Files.mismatch(file, dest)).isEqualTo(-1);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(StorageKind.class)
    void missingSegmentExitsQuietlyWith74(StorageKind kind)
            throws Exception
    {
        Map<String, String> env = env(kind);
        Path dest = temp.resolve("missing-" + COUNTER.incrementAndGet());
        Cli.Result fetch = Cli.run(env, "wal-fetch", "000000010000000000000099", dest.toString());
        assertThat(fetch.exitCode()).isEqualTo(74);
        assertThat(fetch.err()).isEmpty();
        assertThat(dest).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(StorageKind.class)
    void overwriteProtection(StorageKind kind)
            throws Exception
    {
        Map<String, String> env = env(kind, "WALG_PREVENT_WAL_OVERWRITE", "true");
        Path first = segment("000000010000000000000003", 1);
        assertThat(Cli.run(env, "wal-push", first.toString()).exitCode()).isZero();
        // identical content: succeeds
        Cli.Result again = Cli.run(env, "wal-push", first.toString());
        assertThat(again.exitCode()).as(again.err()).isZero();
        // different content: refused with one line
        Path changed = segment("000000010000000000000003", 2);
        Cli.Result refused = Cli.run(env, "wal-push", changed.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("already archived with different content").hasLineCount(1);
        // the archive still holds the first content
        Path dest = temp.resolve("fetched-" + COUNTER.incrementAndGet());
        assertThat(Cli.run(env, "wal-fetch", "000000010000000000000003", dest.toString()).exitCode()).isZero();
        assertThat(Files.mismatch(first, dest)).isEqualTo(-1);

        // without the setting a segment may be overwritten, but a .history file never
        Map<String, String> lax = new HashMap<>(env);
        lax.remove("WALG_PREVENT_WAL_OVERWRITE");
        assertThat(Cli.run(lax, "wal-push", changed.toString()).exitCode()).isZero();
        Path history = Files.writeString(first.resolveSibling("00000003.history"), "2\t0/5000000\tbefore\n");
        assertThat(Cli.run(lax, "wal-push", history.toString()).exitCode()).isZero();
        Files.writeString(history, "2\t0/6000000\tdifferent\n");
        assertThat(Cli.run(lax, "wal-push", history.toString()).exitCode()).isEqualTo(1);
    }

    @ParameterizedTest
    @EnumSource(StorageKind.class)
    void corruptAndTruncatedSegmentsFailLoudly(StorageKind kind)
            throws Exception
    {
        Map<String, String> env = env(kind);
        Path segment = segment("000000010000000000000004", 4);
        assertThat(Cli.run(env, "wal-push", segment.toString()).exitCode()).isZero();
        String key = "wal_005/000000010000000000000004.lz4";
        byte[] stored;
        try (BackupService service = BackupService.fromEnv(env)) {
            stored = service.storage().get(key).orElseThrow().content().readAllBytes();
            // corrupt one byte in the middle, keeping no checksum metadata (as a tool other than herd would)
            byte[] corrupt = stored.clone();
            corrupt[corrupt.length / 2] ^= 0x55;
            service.storage().put(key, corrupt, Map.of());
        }
        Path dest = temp.resolve("corrupt-" + COUNTER.incrementAndGet());
        Cli.Result fetch = Cli.run(env, "wal-fetch", "000000010000000000000004", dest.toString());
        assertThat(fetch.exitCode()).isEqualTo(126);
        assertThat(fetch.err()).contains("corrupt").hasLineCount(1);
        assertThat(dest).doesNotExist();

        try (BackupService service = BackupService.fromEnv(env)) {
            service.storage().put(key, java.util.Arrays.copyOf(stored, stored.length - 100), Map.of());
        }
        fetch = Cli.run(env, "wal-fetch", "000000010000000000000004", dest.toString());
        assertThat(fetch.exitCode()).isEqualTo(126);
        assertThat(fetch.err()).containsAnyOf("corrupt", "truncated");
        assertThat(dest).doesNotExist();
    }

    @ParameterizedTest
    @EnumSource(StorageKind.class)
    void checksumMismatchIsDetected(StorageKind kind)
            throws Exception
    {
        Map<String, String> env = env(kind, "WALG_COMPRESSION_METHOD", "none");
        Path history = Files.writeString(Files.createDirectories(temp.resolve("h" + COUNTER.incrementAndGet())).resolve("00000005.history"), "4\t0/9000000\tx\n");
        assertThat(Cli.run(env, "wal-push", history.toString()).exitCode()).isZero();
        try (BackupService service = BackupService.fromEnv(env)) {
            Map<String, String> metadata = service.storage().get("wal_005/00000005.history").orElseThrow().metadata();
            if (metadata.isEmpty()) {
                return; // file system without user xattrs: nothing recorded to compare
            }
            service.storage().put("wal_005/00000005.history", "4\t0/9000000\ty\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), metadata);
        }
        Cli.Result fetch = Cli.run(env, "wal-fetch", "00000005.history", temp.resolve("hx" + COUNTER.incrementAndGet()).toString());
        assertThat(fetch.exitCode()).isEqualTo(126);
        assertThat(fetch.err()).contains("SHA-256");
    }
}
