package io.herd.backup.config;

import io.herd.backup.compress.Compression;
import io.herd.backup.storage.S3Settings;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * All settings of herd-backup, read from WAL-G's environment variables. {@link #fromEnv(Map)} takes the map explicitly
 * so tests and the agent pass settings without touching the process environment.
 */
public record BackupSettings(
        Optional<S3Settings> s3,
        Optional<Path> fileRoot,
        Compression compression,
        int uploadConcurrency,
        int downloadConcurrency,
        boolean preventWalOverwrite,
        long tarSizeThreshold,
        long walSegmentSize,
        Duration archiveCheckTimeout,
        PgConnectionSettings pg,
        Optional<Path> pgData)
{
    public static final int DEFAULT_UPLOAD_CONCURRENCY = 16;
    public static final int DEFAULT_DOWNLOAD_CONCURRENCY = 10;
    public static final long DEFAULT_TAR_SIZE_THRESHOLD = (1L << 30) - 1;
    public static final long DEFAULT_MAX_PART_SIZE = 20L << 20;
    public static final int DEFAULT_S3_MAX_RETRIES = 15;
    public static final Duration DEFAULT_ARCHIVE_CHECK_TIMEOUT = Duration.ofSeconds(120);

    public BackupSettings
    {
        requireNonNull(s3, "s3 is null");
        requireNonNull(fileRoot, "fileRoot is null");
        requireNonNull(compression, "compression is null");
        requireNonNull(archiveCheckTimeout, "archiveCheckTimeout is null");
        requireNonNull(pg, "pg is null");
        requireNonNull(pgData, "pgData is null");
        if (s3.isPresent() == fileRoot.isPresent()) {
            throw new IllegalArgumentException("exactly one of s3 and fileRoot must be set");
        }
    }

    public static BackupSettings fromEnv(Map<String, String> environment)
    {
        Env env = new Env(environment);
        int uploadConcurrency = env.positiveInt("WALG_UPLOAD_CONCURRENCY", DEFAULT_UPLOAD_CONCURRENCY);
        Optional<String> s3Prefix = env.first("WALG_S3_PREFIX", "WALE_S3_PREFIX");
        Optional<String> filePrefix = env.get("WALG_FILE_PREFIX");
        if (s3Prefix.isPresent() && filePrefix.isPresent()) {
            throw new InvalidSettingException("WALG_S3_PREFIX='" + s3Prefix.get() + "' and WALG_FILE_PREFIX='" + filePrefix.get()
                    + "' are both set: expected exactly one storage");
        }
        if (s3Prefix.isEmpty() && filePrefix.isEmpty()) {
            throw new InvalidSettingException("no storage configured: expected WALG_S3_PREFIX=s3://bucket/path or WALG_FILE_PREFIX=/directory");
        }
        Optional<S3Settings> s3 = s3Prefix.map(prefix -> s3Settings(env, prefix, uploadConcurrency));
        Optional<Path> fileRoot = filePrefix.map(prefix -> {
            if (!prefix.startsWith("/")) {
                throw InvalidSettingException.invalid("WALG_FILE_PREFIX", prefix, "an absolute directory path");
            }
            return Path.of(prefix);
        });
        long walSizeMb = env.positiveLong("WALG_PG_WAL_SIZE", 16);
        if (Long.bitCount(walSizeMb) != 1 || walSizeMb > 1024) {
            throw InvalidSettingException.invalid("WALG_PG_WAL_SIZE", String.valueOf(walSizeMb), "a power of two between 1 and 1024 (MB)");
        }
        long archiveTimeout = env.positiveLong("HERD_ARCHIVE_CHECK_TIMEOUT", DEFAULT_ARCHIVE_CHECK_TIMEOUT.toSeconds());
        Optional<Path> pgData = env.get("PGDATA").map(Path::of);
        return new BackupSettings(
                s3,
                fileRoot,
                Compression.fromSetting("WALG_COMPRESSION_METHOD", env.get("WALG_COMPRESSION_METHOD")),
                uploadConcurrency,
                env.positiveInt("WALG_DOWNLOAD_CONCURRENCY", DEFAULT_DOWNLOAD_CONCURRENCY),
                env.bool("WALG_PREVENT_WAL_OVERWRITE", false),
                env.positiveLong("WALG_TAR_SIZE_THRESHOLD", DEFAULT_TAR_SIZE_THRESHOLD),
                walSizeMb << 20,
                Duration.ofSeconds(archiveTimeout),
                PgConnectionSettings.fromEnv(env),
                pgData);
    }

    private static S3Settings s3Settings(Env env, String prefix, int uploadConcurrency)
    {
        String name = env.get("WALG_S3_PREFIX").isPresent() ? "WALG_S3_PREFIX" : "WALE_S3_PREFIX";
        if (!prefix.startsWith("s3://") || prefix.length() <= "s3://".length()) {
            throw InvalidSettingException.invalid(name, prefix, "s3://bucket/path");
        }
        String rest = prefix.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        if (bucket.length() < 3 || !bucket.matches("[a-z0-9][a-z0-9.\\-_]*")) {
            throw InvalidSettingException.invalid(name, prefix, "s3://bucket/path with a valid bucket name");
        }
        Optional<URI> endpoint = env.get("AWS_ENDPOINT").map(value -> endpoint("AWS_ENDPOINT", value));
        // the SDK's own name for a service-specific endpoint: an STS VPC endpoint, or a private STS-compatible service
        Optional<URI> stsEndpoint = env.get("AWS_ENDPOINT_URL_STS").map(value -> endpoint("AWS_ENDPOINT_URL_STS", value));
        Optional<String> sse = env.get("WALG_S3_SSE");
        sse.ifPresent(value -> {
            if (!value.equals("AES256") && !value.equals("aws:kms") && !value.equals("aws:kms:dsse")) {
                throw InvalidSettingException.invalid("WALG_S3_SSE", value, "AES256, aws:kms or aws:kms:dsse");
            }
        });
        Optional<String> kmsKey = env.get("WALG_S3_SSE_KMS_ID");
        if (kmsKey.isPresent() && sse.isPresent() && sse.get().equals("AES256")) {
            throw new InvalidSettingException("WALG_S3_SSE_KMS_ID='" + kmsKey.get() + "' needs WALG_S3_SSE=aws:kms, not 'AES256'");
        }
        if (kmsKey.isPresent() && sse.isEmpty()) {
            sse = Optional.of("aws:kms");
        }
        Optional<String> storageClass = env.get("WALG_S3_STORAGE_CLASS");
        storageClass.ifPresent(value -> {
            if (!value.matches("[A-Z_]+")) {
                throw InvalidSettingException.invalid("WALG_S3_STORAGE_CLASS", value, "an S3 storage class such as STANDARD, STANDARD_IA or REDUCED_REDUNDANCY");
            }
        });
        long maxPartSize = env.positiveLong("WALG_S3_MAX_PART_SIZE", DEFAULT_MAX_PART_SIZE);
        if (maxPartSize < (5L << 20) || maxPartSize > (5L << 30)) {
            throw InvalidSettingException.invalid("WALG_S3_MAX_PART_SIZE", String.valueOf(maxPartSize), "bytes between 5242880 (5 MiB) and 5368709120 (5 GiB)");
        }
        Optional<S3Settings.StaticKeys> keys = Optional.empty();
        Optional<String> accessKey = env.get("AWS_ACCESS_KEY_ID");
        Optional<String> secretKey = env.get("AWS_SECRET_ACCESS_KEY");
        if (accessKey.isPresent() != secretKey.isPresent()) {
            throw new InvalidSettingException(accessKey.isPresent()
                    ? "AWS_ACCESS_KEY_ID='" + accessKey.get() + "' is set without AWS_SECRET_ACCESS_KEY: expected both or neither"
                    : "AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID: expected both or neither");
        }
        if (accessKey.isPresent()) {
            keys = Optional.of(new S3Settings.StaticKeys(accessKey.get(), secretKey.get(), env.get("AWS_SESSION_TOKEN")));
        }
        Optional<String> roleArn = env.get("AWS_ROLE_ARN");
        roleArn.ifPresent(value -> {
            if (!value.startsWith("arn:")) {
                throw InvalidSettingException.invalid("AWS_ROLE_ARN", value, "a role ARN such as arn:aws:iam::123456789012:role/NAME");
            }
        });
        // EKS (IRSA) and other OIDC setups: the role is assumed with the token in this file, re-read at every refresh
        Optional<Path> webIdentityTokenFile = env.get("AWS_WEB_IDENTITY_TOKEN_FILE").map(Path::of);
        if (webIdentityTokenFile.isPresent() && roleArn.isEmpty()) {
            throw new InvalidSettingException("AWS_WEB_IDENTITY_TOKEN_FILE='" + webIdentityTokenFile.get() + "' is set without AWS_ROLE_ARN: expected both or neither");
        }
        String checksums = env.lower("AWS_REQUEST_CHECKSUM_CALCULATION").orElse("when_supported");
        if (!checksums.equals("when_supported") && !checksums.equals("when_required")) {
            throw InvalidSettingException.invalid("AWS_REQUEST_CHECKSUM_CALCULATION", checksums, "when_supported or when_required");
        }
        String validation = env.lower("AWS_RESPONSE_CHECKSUM_VALIDATION").orElse(checksums);
        return new S3Settings(
                bucket,
                path,
                env.first("AWS_REGION", "AWS_DEFAULT_REGION"),
                endpoint,
                env.bool("AWS_S3_FORCE_PATH_STYLE", false) || env.get("AWS_ENDPOINT").map(value -> value.matches("^https?\\+path://.*")).orElse(false),
                sse,
                kmsKey,
                storageClass,
                maxPartSize,
                env.positiveInt("WALG_S3_MAX_RETRIES", DEFAULT_S3_MAX_RETRIES),
                uploadConcurrency,
                keys,
                roleArn,
                env.get("AWS_ROLE_SESSION_NAME").orElse("herd-backup"),
                stsEndpoint,
                webIdentityTokenFile,
                checksums.equals("when_required") || validation.equals("when_required"));
    }

    private static URI endpoint(String name, String value)
    {
        // Spilo writes endpoints as "proto+path://host:port"; the "+path" part only selects path-style addressing
        String normalized = value.replaceFirst("^(https?)\\+(path|virtual)://", "$1://");
        try {
            URI uri = new URI(normalized);
            if ((uri.getScheme() != null && (uri.getScheme().equals("http") || uri.getScheme().equals("https"))) && uri.getHost() != null) {
                return uri;
            }
        }
        catch (URISyntaxException ignored) {
            // reported below
        }
        throw InvalidSettingException.invalid(name, value, "a URL such as http://minio:9000 or https://s3.example.com");
    }

    public int walSegmentsPerLogId()
    {
        return (int) (0x1_0000_0000L / walSegmentSize);
    }
}
