package io.herd.backup;

import io.herd.backup.storage.StoredBlob;
import io.herd.backup.storage.UploadStream;
import io.herd.backup.testing.Cli;
import io.herd.backup.testing.RecordingRelay;
import io.herd.backup.testing.S3ProxyServer;
import io.herd.backup.testing.StsStandIn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestS3Storage
{
    // one byte over a 5 MiB part: a multipart upload
    private static final byte[] MULTIPART = randomBytes((5 << 20) + 1);

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
    void withARoleArnTheAssumedRolesCredentialsAreWhatReachesS3()
            throws Exception
    {
        try (StsStandIn sts = new StsStandIn(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, false)) {
            // the base keys alone are refused by the store: only the role's temporary keys open it
            Map<String, String> env = roleEnvironment(sts);
            Path segment = Files.write(temp.resolve("000000010000000000000005"), new byte[16 << 20]);
            Cli.Result push = Cli.run(env, "wal-push", segment.toString());
            assertThat(push.exitCode()).as(push.err()).isEqualTo(0);
            assertThat(Cli.run(env, "wal-fetch", "000000010000000000000005", temp.resolve("fetched").toString()).exitCode()).isEqualTo(0);
            assertThat(temp.resolve("fetched")).hasSameBinaryContentAs(segment);

            assertThat(sts.requests()).isNotEmpty().allSatisfy(request -> {
                assertThat(request.form()).containsEntry("Action", "AssumeRole")
                        .containsEntry("RoleArn", "arn:aws:iam::123456789012:role/herd-backup")
                        .containsEntry("RoleSessionName", "herd-backup");
                assertThat(request.authorization()).contains("Credential=base-key/");
            });
        }
    }

    @Test
    void withAWebIdentityTokenTheRoleIsAssumedWithTheTokenAndItsKeysReachS3()
            throws Exception
    {
        try (StsStandIn sts = new StsStandIn(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, false)) {
            Path token = Files.writeString(temp.resolve("web-identity-token"), "eyJhbGciOiJSUzI1NiJ9.first-token\n");
            Map<String, String> env = new HashMap<>(roleEnvironment(sts));
            env.remove("AWS_ACCESS_KEY_ID");
            env.remove("AWS_SECRET_ACCESS_KEY");
            env.put("AWS_WEB_IDENTITY_TOKEN_FILE", token.toString());
            Cli.Result list = Cli.run(env, "backup-list");
            assertThat(list.exitCode()).as(list.err()).isEqualTo(0);

            // the token file is rotated in place (hourly on EKS); what assumes the role next sends the new token
            Files.writeString(token, "eyJhbGciOiJSUzI1NiJ9.rotated-token\n");
            assertThat(Cli.run(env, "backup-list").exitCode()).isEqualTo(0);

            assertThat(sts.requests()).extracting(request -> request.form().get("WebIdentityToken"))
                    .containsExactly("eyJhbGciOiJSUzI1NiJ9.first-token", "eyJhbGciOiJSUzI1NiJ9.rotated-token");
            assertThat(sts.requests()).allSatisfy(request -> {
                assertThat(request.form()).containsEntry("Action", "AssumeRoleWithWebIdentity")
                        .containsEntry("RoleArn", "arn:aws:iam::123456789012:role/herd-backup");
                assertThat(request.authorization()).as("AssumeRoleWithWebIdentity is not signed").isEqualTo("null");
            });
        }
    }

    @Test
    void aRefusedAssumeRoleGivesOneClearLine()
            throws Exception
    {
        try (StsStandIn sts = new StsStandIn(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY, true)) {
            Cli.Result list = Cli.run(roleEnvironment(sts), "backup-list");
            assertThat(list.exitCode()).isEqualTo(1);
            assertThat(list.err()).isEqualTo("herd backup-list: cannot assume the role AWS_ROLE_ARN='arn:aws:iam::123456789012:role/herd-backup' (AccessDenied):"
                    + " check the base credentials and the role's trust policy\n");
        }
    }

    private static Map<String, String> roleEnvironment(StsStandIn sts)
    {
        Map<String, String> env = new HashMap<>(s3.environment("herd-errors", "role"));
        env.put("AWS_ACCESS_KEY_ID", "base-key");
        env.put("AWS_SECRET_ACCESS_KEY", "base-secret");
        env.put("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/herd-backup");
        env.put("AWS_ENDPOINT_URL_STS", sts.endpoint().toString());
        return env;
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
            service.storage().delete(List.of("basebackups_005/big"));
            assertThat(service.storage().list("basebackups_005/")).isEmpty();
        }
    }

    @Test
    void storageClassGoesWithEveryUpload()
            throws Exception
    {
        try (RecordingRelay wire = new RecordingRelay(s3.endpoint())) {
            Map<String, String> env = onTheWire(wire, "storage-class");
            env.put("WALG_S3_STORAGE_CLASS", "STANDARD_IA");
            try (BackupService service = BackupService.fromEnv(env)) {
                service.storage().put("wal_005/single", new byte[] {1, 2, 3}, Map.of());
                try (UploadStream upload = service.storage().create("basebackups_005/parts")) {
                    upload.write(MULTIPART, 0, MULTIPART.length);
                }
                assertThat(service.storage().exists("wal_005/single")).isTrue();
                assertThat(service.storage().exists("basebackups_005/parts")).isTrue();
            }
            String sent = wire.clientBytes().toLowerCase(Locale.ROOT);
            assertThat(sent).contains("put /herd-errors/storage-class/wal_005/single ", "post /herd-errors/storage-class/basebackups_005/parts?uploads");
            // the single PUT and CreateMultipartUpload; parts inherit it
            assertThat(countOf(sent, "x-amz-storage-class: standard_ia\r\n")).isEqualTo(2);
        }
    }

    @Test
    void serverSideEncryptionIsRequestedWithEveryUploadAndAStoreWithoutItIsNamedInTheError()
            throws Exception
    {
        // S3Proxy, like other S3-compatible stores, answers 501 NotImplemented to SSE headers: the request is what is checked
        try (RecordingRelay wire = new RecordingRelay(s3.endpoint())) {
            Map<String, String> env = onTheWire(wire, "sse");
            env.put("WALG_S3_SSE", "aws:kms");
            env.put("WALG_S3_SSE_KMS_ID", "arn:aws:kms:us-east-1:111122223333:key/herd-test");
            try (BackupService service = BackupService.fromEnv(env)) {
                assertThatThrownBy(() -> service.storage().put("wal_005/single", new byte[] {1, 2, 3}, Map.of()))
                        .hasMessageContaining("NotImplemented")
                        .hasMessageContaining("WALG_S3_SSE=aws:kms");
                assertThatThrownBy(() -> {
                    try (UploadStream upload = service.storage().create("basebackups_005/parts")) {
                        upload.write(MULTIPART, 0, MULTIPART.length);
                    }
                }).hasMessageContaining("WALG_S3_SSE=aws:kms");
            }
            String sent = wire.clientBytes().toLowerCase(Locale.ROOT);
            assertThat(sent).contains("put /herd-errors/sse/wal_005/single ", "post /herd-errors/sse/basebackups_005/parts?uploads");
            assertThat(sent).as("a failed multipart start must not fall back to publishing the buffered part as the object")
                    .doesNotContain("put /herd-errors/sse/basebackups_005/parts ");
            // every attempt (the SDK retries 5xx) of both requests carries both headers
            int attempts = countOf(sent, "put /herd-errors/sse/wal_005/single ") + countOf(sent, "post /herd-errors/sse/basebackups_005/parts?uploads");
            assertThat(countOf(sent, "x-amz-server-side-encryption: aws:kms\r\n")).isEqualTo(attempts);
            assertThat(countOf(sent, "x-amz-server-side-encryption-aws-kms-key-id: arn:aws:kms:us-east-1:111122223333:key/herd-test\r\n")).isEqualTo(attempts);
        }
    }

    private static Map<String, String> onTheWire(RecordingRelay wire, String prefix)
    {
        Map<String, String> env = new HashMap<>(s3.environment("herd-errors", prefix));
        env.put("AWS_ENDPOINT", wire.endpoint().toString());
        env.put("WALG_S3_MAX_PART_SIZE", String.valueOf(5 << 20));
        env.put("WALG_S3_MAX_RETRIES", "1");
        return env;
    }

    private static int countOf(String text, String part)
    {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }

    private static byte[] randomBytes(int length)
    {
        byte[] bytes = new byte[length];
        new Random(3).nextBytes(bytes);
        return bytes;
    }
}
