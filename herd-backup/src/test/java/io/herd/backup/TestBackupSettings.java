package io.herd.backup;

import io.herd.backup.compress.Compression;
import io.herd.backup.config.BackupSettings;
import io.herd.backup.config.InvalidSettingException;
import io.herd.backup.storage.S3Settings;
import io.herd.backup.testing.Cli;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestBackupSettings
{
    @Test
    void defaultsAreWalgs()
    {
        BackupSettings settings = BackupSettings.fromEnv(Map.of("WALG_FILE_PREFIX", "/backups"));
        assertThat(settings.fileRoot()).contains(Path.of("/backups"));
        assertThat(settings.compression()).isEqualTo(Compression.LZ4);
        assertThat(settings.uploadConcurrency()).isEqualTo(16);
        assertThat(settings.downloadConcurrency()).isEqualTo(10);
        assertThat(settings.preventWalOverwrite()).isFalse();
        assertThat(settings.tarSizeThreshold()).isEqualTo(1073741823L);
        assertThat(settings.walSegmentSize()).isEqualTo(16 << 20);
        assertThat(settings.pg().port()).isEqualTo(5432);
    }

    @Test
    void s3Mapping()
    {
        BackupSettings settings = BackupSettings.fromEnv(Map.ofEntries(
                Map.entry("WALG_S3_PREFIX", "s3://my-bucket/spilo/demo/wal/15/"),
                Map.entry("AWS_REGION", "eu-central-1"),
                Map.entry("AWS_ENDPOINT", "https+path://minio.local:9000"),
                Map.entry("AWS_S3_FORCE_PATH_STYLE", "true"),
                Map.entry("WALG_S3_SSE", "aws:kms"),
                Map.entry("WALG_S3_SSE_KMS_ID", "key-1"),
                Map.entry("WALG_S3_STORAGE_CLASS", "STANDARD_IA"),
                Map.entry("WALG_COMPRESSION_METHOD", "brotli"),
                Map.entry("WALG_UPLOAD_CONCURRENCY", "4"),
                Map.entry("WALG_PREVENT_WAL_OVERWRITE", "true"),
                Map.entry("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/backup"),
                Map.entry("AWS_ENDPOINT_URL_STS", "https://sts.eu-central-1.amazonaws.com"),
                Map.entry("AWS_ACCESS_KEY_ID", "AKIA"),
                Map.entry("AWS_SECRET_ACCESS_KEY", "secret")));
        S3Settings s3 = settings.s3().orElseThrow();
        assertThat(s3.bucket()).isEqualTo("my-bucket");
        assertThat(s3.prefix()).isEqualTo("spilo/demo/wal/15");
        assertThat(s3.region()).contains("eu-central-1");
        assertThat(s3.endpoint()).contains(URI.create("https://minio.local:9000"));
        assertThat(s3.forcePathStyle()).isTrue();
        assertThat(s3.serverSideEncryption()).contains("aws:kms");
        assertThat(s3.sseKmsKeyId()).contains("key-1");
        assertThat(s3.storageClass()).contains("STANDARD_IA");
        assertThat(s3.uploadConcurrency()).isEqualTo(4);
        assertThat(s3.roleArn()).contains("arn:aws:iam::123456789012:role/backup");
        assertThat(s3.stsEndpoint()).contains(URI.create("https://sts.eu-central-1.amazonaws.com"));
        assertThat(s3.webIdentityTokenFile()).isEmpty();
        assertThat(s3.staticKeys().orElseThrow().toString()).doesNotContain("secret");
        assertThat(settings.compression()).isEqualTo(Compression.BROTLI);
        assertThat(settings.preventWalOverwrite()).isTrue();
        assertThat(settings.fileRoot()).isEqualTo(Optional.empty());
    }

    @Test
    void badSettingsNameVariableValueAndExpectedForm()
    {
        assertInvalid(Map.of("WALG_FILE_PREFIX", "/b", "WALG_COMPRESSION_METHOD", "lzma"),
                "WALG_COMPRESSION_METHOD='lzma' is invalid: expected one of lz4, zstd, brotli, none");
        assertInvalid(Map.of("WALG_FILE_PREFIX", "/b", "WALG_UPLOAD_CONCURRENCY", "many"),
                "WALG_UPLOAD_CONCURRENCY='many' is invalid: expected a positive integer");
        assertInvalid(Map.of("WALG_FILE_PREFIX", "/b", "WALG_PREVENT_WAL_OVERWRITE", "yes please"),
                "WALG_PREVENT_WAL_OVERWRITE='yes please' is invalid: expected true or false");
        assertInvalid(Map.of("WALG_S3_PREFIX", "bucket/path"), "WALG_S3_PREFIX='bucket/path' is invalid: expected s3://bucket/path");
        assertInvalid(Map.of("WALG_S3_PREFIX", "s3://b-1/p", "AWS_ENDPOINT", "minio:9000"), "AWS_ENDPOINT='minio:9000' is invalid");
        assertInvalid(Map.of("WALG_S3_PREFIX", "s3://b-1/p", "AWS_ENDPOINT_URL_STS", "sts"), "AWS_ENDPOINT_URL_STS='sts' is invalid");
        assertInvalid(Map.of("WALG_S3_PREFIX", "s3://b-1/p", "AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
                "AWS_WEB_IDENTITY_TOKEN_FILE='/var/run/token' is set without AWS_ROLE_ARN");
        assertInvalid(Map.of("WALG_S3_PREFIX", "s3://b-1/p", "WALG_S3_SSE", "rot13"), "WALG_S3_SSE='rot13' is invalid");
        assertInvalid(Map.of("WALG_FILE_PREFIX", "relative/dir"), "WALG_FILE_PREFIX='relative/dir' is invalid: expected an absolute directory path");
        assertInvalid(Map.of(), "no storage configured");
    }

    @Test
    void cliReportsBadSettingsInOneLine()
    {
        Cli.Result result = Cli.run(Map.of("WALG_FILE_PREFIX", "/b", "WALG_DOWNLOAD_CONCURRENCY", "-3"), "backup-list");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("herd backup-list: WALG_DOWNLOAD_CONCURRENCY='-3' is invalid: expected a positive integer\n");
    }

    private static void assertInvalid(Map<String, String> env, String message)
    {
        assertThatThrownBy(() -> BackupSettings.fromEnv(env))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageStartingWith(message);
    }
}
