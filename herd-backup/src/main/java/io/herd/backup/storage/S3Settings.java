package io.herd.backup.storage;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** Everything the S3 backend needs, parsed from WALG_S3_* and AWS_* variables. */
public record S3Settings(
        String bucket,
        String prefix,
        Optional<String> region,
        Optional<URI> endpoint,
        boolean forcePathStyle,
        Optional<String> serverSideEncryption,
        Optional<String> sseKmsKeyId,
        Optional<String> storageClass,
        long maxPartSize,
        int maxRetries,
        int uploadConcurrency,
        Optional<StaticKeys> staticKeys,
        Optional<String> roleArn,
        String roleSessionName,
        Optional<URI> stsEndpoint,
        Optional<Path> webIdentityTokenFile,
        boolean checksumsWhenRequired)
{
    public S3Settings
    {
        requireNonNull(bucket, "bucket is null");
        requireNonNull(prefix, "prefix is null");
        requireNonNull(region, "region is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(serverSideEncryption, "serverSideEncryption is null");
        requireNonNull(sseKmsKeyId, "sseKmsKeyId is null");
        requireNonNull(storageClass, "storageClass is null");
        requireNonNull(staticKeys, "staticKeys is null");
        requireNonNull(roleArn, "roleArn is null");
        requireNonNull(roleSessionName, "roleSessionName is null");
        requireNonNull(stsEndpoint, "stsEndpoint is null");
        requireNonNull(webIdentityTokenFile, "webIdentityTokenFile is null");
    }

    public String location()
    {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
    }

    /** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN given in the injected environment. */
    public record StaticKeys(String accessKeyId, String secretAccessKey, Optional<String> sessionToken)
    {
        public StaticKeys
        {
            requireNonNull(accessKeyId, "accessKeyId is null");
            requireNonNull(secretAccessKey, "secretAccessKey is null");
            requireNonNull(sessionToken, "sessionToken is null");
        }

        @Override
        public String toString()
        {
            return "StaticKeys[" + accessKeyId + ", ***]";
        }
    }
}
