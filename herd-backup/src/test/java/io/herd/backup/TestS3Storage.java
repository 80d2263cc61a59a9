package io.herd.backup;

import io.herd.backup.storage.StoredBlob;
import io.herd.backup.storage.UploadStream;
import io.herd.backup.testing.Cli;
import io.herd.backup.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class TestS3Storage
{
    @TempDir
    static Path temp;
    private static S3ProxyServer s3;

    @BeforeAll
    static void startS3()
            throws Exception
    {
        s3 = new S3ProxyServer(Files.createDirectories(temp.resolve("s3proxy")));
        s3.createBucket("herd-errors");
    }

    @AfterAll
    static void stopS3()
            throws Exception
    {
        s3.close();
    }

    @Test
    void wrongCredentialsGiveOneClearLine()
            throws Exception
    {
        Map<String, String> env = new HashMap<>(s3.environment("herd-errors", "p"));
        env.put("AWS_SECRET_ACCESS_KEY", "wrong-secret");
        Cli.Result list = Cli.run(env, "backup-list");
        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).startsWith("herd backup-list: S3 denied access to s3://herd-errors/p").hasLineCount(1);

        Path segment = Files.write(temp.resolve("000000010000000000000001"), new byte[16 << 20]);
        Cli.Result push = Cli.run(env, "wal-push", segment.toString());
        assertThat(push.exitCode()).isEqualTo(1);
        assertThat(push.err()).contains("S3 denied access").hasLineCount(1);

        // a restore_command must not mistake this for "not archived"
        Cli.Result fetch = Cli.run(env, "wal-fetch", "000000010000000000000001", temp.resolve("x").toString());
        assertThat(fetch.exitCode()).isEqualTo(126);
        assertThat(fetch.err()).hasLineCount(1);
    }

    @Test
    void missingBucketGivesOneClearLine()
            throws Exception
    {
        Map<String, String> env = s3.environment("no-such-bucket", "spilo/x/wal/15");
        Cli.Result list = Cli.run(env, "backup-list");
        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).isEqualTo("herd backup-list: S3 bucket 'no-such-bucket' does not exist (s3://no-such-bucket/spilo/x/wal/15)\n");

        Path segment = Files.write(temp.resolve("000000010000000000000002"), new byte[16 << 20]);
        Cli.Result push = Cli.run(env, "wal-push", segment.toString());
        assertThat(push.exitCode()).isEqualTo(1);
        assertThat(push.err()).contains("does not exist").hasLineCount(1);
    }

    @Test
    void unreachableEndpointGivesOneClearLine()
    {
        Map<String, String> env = new HashMap<>(s3.environment("herd-errors", "p"));
        env.put("AWS_ENDPOINT", "http://127.0.0.1:" + io.herd.testing.FreePorts.next());
        env.put("WALG_S3_MAX_RETRIES", "1");
        Cli.Result list = Cli.run(env, "backup-list");
        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).startsWith("herd backup-list: cannot list").hasLineCount(1);
    }

    @Test
    void multipartUploadRoundTrips()
            throws Exception
    {
        Map<String, String> env = new HashMap<>(s3.environment("herd-errors", "multipart"));
        env.put("WALG_S3_MAX_PART_SIZE", String.valueOf(5 << 20));
        env.put("WALG_UPLOAD_CONCURRENCY", "3");
        byte[] data = new byte[(12 << 20) + 12345];
        new Random(7).nextBytes(data);
        try (BackupService service = BackupService.fromEnv(env)) {
            try (UploadStream upload = service.storage().create("basebackups_005/big")) {
                for (int offset = 0; offset < data.length; offset += 100_000) {
                    upload.write(data, offset, Math.min(100_000, data.length - offset));
                }
            }
            try (StoredBlob blob = service.storage().get("basebackups_005/big").orElseThrow()) {
                assertThat(blob.content().readAllBytes()).isEqualTo(data);
            }
            // an aborted upload leaves nothing
            UploadStream aborted = service.storage().create("basebackups_005/aborted");
            aborted.write(data, 0, data.length);
            aborted.abort();
            assertThat(service.storage().exists("basebackups_005/aborted")).isFalse();
            // deletes in a batch
            service.storage().delete(java.util.List.of("basebackups_005/big"));
            assertThat(service.storage().list("basebackups_005/")).isEmpty();
        }
    }
}
