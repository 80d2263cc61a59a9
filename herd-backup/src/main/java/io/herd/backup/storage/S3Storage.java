package io.herd.backup.storage;

import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.StorageClass;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.StsClientBuilder;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleWithWebIdentityCredentialsProvider;
import software.amazon.awssdk.services.sts.model.AssumeRoleWithWebIdentityRequest;
import software.amazon.awssdk.services.sts.model.StsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * WALG_S3_PREFIX backend on the AWS SDK v2. Large objects are uploaded in parts of WALG_S3_MAX_PART_SIZE with at most
 * WALG_UPLOAD_CONCURRENCY parts in flight across the whole process; the SDK's standard retry strategy backs off on
 * throttling and 5xx.
 */
public final class S3Storage
        implements Storage
{
    private static final int DELETE_BATCH = 1000;

    private final S3Settings settings;
    private final S3Client client;
    private final AwsCredentialsProvider credentials;
    private final ExecutorService partUploads;
    private final Semaphore partsInFlight;
    private volatile boolean batchDelete = true;

    public S3Storage(S3Settings settings)
    {
        this.settings = requireNonNull(settings, "settings is null");
        this.credentials = credentialsProvider(settings);
        this.client = buildClient(settings, credentials);
        AtomicInteger threads = new AtomicInteger();
        this.partUploads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "herd-s3-part-upload-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.partsInFlight = new Semaphore(settings.uploadConcurrency());
    }

    private static S3Client buildClient(S3Settings settings, AwsCredentialsProvider credentials)
    {
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(Math.max(50, settings.uploadConcurrency() * 2))
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .credentialsProvider(credentials)
                .region(Region.of(settings.region().orElse("us-east-1")))
                .forcePathStyle(settings.forcePathStyle())
                .overrideConfiguration(override -> override.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(settings.maxRetries() + 1)
                        .build()));
        if (settings.region().isEmpty()) {
            builder.crossRegionAccessEnabled(true);
        }
        settings.endpoint().ifPresent(builder::endpointOverride);
        if (settings.checksumsWhenRequired()) {
            // S3-compatible stores that predate flexible checksums: send Content-MD5 where a checksum is required (DeleteObjects)
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                    .addPlugin(LegacyMd5Plugin.create());
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentialsProvider(S3Settings settings)
    {
        if (settings.roleArn().isEmpty()) {
            return baseCredentials(settings);
        }
        String roleArn = settings.roleArn().get();
        if (settings.webIdentityTokenFile().isPresent()) {
            // built here rather than left to the SDK's default chain, which reads only the process environment: the
            // agent's YAML can set these too, and AWS_ENDPOINT_URL_STS must reach this STS client as well.
            // AssumeRoleWithWebIdentity is not signed: the token is the credential.
            Path tokenFile = settings.webIdentityTokenFile().get();
            return StsAssumeRoleWithWebIdentityCredentialsProvider.builder()
                    .stsClient(stsClient(settings, AnonymousCredentialsProvider.create()))
                    .refreshRequest(() -> AssumeRoleWithWebIdentityRequest.builder()
                            .roleArn(roleArn)
                            .roleSessionName(settings.roleSessionName())
                            .webIdentityToken(readToken(tokenFile))
                            .build())
                    .build();
        }
        return StsAssumeRoleCredentialsProvider.builder()
                .stsClient(stsClient(settings, baseCredentials(settings)))
                .refreshRequest(request -> request.roleArn(roleArn).roleSessionName(settings.roleSessionName()))
                .build();
    }

    /** The keys given in the environment, or the SDK's default chain: what S3 is called with, or what assumes the role. */
    private static AwsCredentialsProvider baseCredentials(S3Settings settings)
    {
        return settings.staticKeys()
                .<AwsCredentialsProvider>map(keys -> StaticCredentialsProvider.create(keys.sessionToken()
                        .<AwsCredentials>map(token -> AwsSessionCredentials.create(keys.accessKeyId(), keys.secretAccessKey(), token))
                        .orElseGet(() -> AwsBasicCredentials.create(keys.accessKeyId(), keys.secretAccessKey()))))
                .orElseGet(() -> DefaultCredentialsProvider.builder().build());
    }

    private static StsClient stsClient(S3Settings settings, AwsCredentialsProvider credentials)
    {
        StsClientBuilder sts = StsClient.builder()
                .region(Region.of(settings.region().orElse("us-east-1")))
                .credentialsProvider(credentials);
        settings.stsEndpoint().ifPresent(sts::endpointOverride);
        return sts.build();
    }

    /** The token is rotated in place (every hour on EKS), so it is read for every refresh, not once. */
    private static String readToken(Path tokenFile)
    {
        try {
            return Files.readString(tokenFile).strip();
        }
        catch (IOException e) {
            throw SdkClientException.create("cannot read the web identity token AWS_WEB_IDENTITY_TOKEN_FILE='" + tokenFile + "': " + e.getMessage(), e);
        }
    }

    @Override
    public void put(String key, byte[] data, Map<String, String> metadata)
            throws IOException
    {
        PutObjectRequest request = putRequest(key).metadata(metadata).build();
        call("upload " + key, () -> client.putObject(request, RequestBody.fromBytes(data)));
    }

    @Override
    public UploadStream create(String key)
    {
        return new S3UploadStream(key);
    }

    @Override
    public Optional<StoredBlob> get(String key)
            throws IOException
    {
        try {
            ResponseInputStream<GetObjectResponse> response = call("download " + key,
                    () -> client.getObject(request -> request.bucket(settings.bucket()).key(fullKey(key))));
            GetObjectResponse head = response.response();
            return Optional.of(new StoredBlob(key, response, head.contentLength() == null ? -1 : head.contentLength(), head.metadata()));
        }
        catch (NotFound e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean exists(String key)
            throws IOException
    {
        try {
            HeadObjectRequest request = HeadObjectRequest.builder().bucket(settings.bucket()).key(fullKey(key)).build();
            call("check " + key, () -> client.headObject(request));
            return true;
        }
        catch (NotFound e) {
            return false;
        }
    }

    @Override
    public List<StoredObject> list(String prefix)
            throws IOException
    {
        String fullPrefix = fullKey(prefix);
        int strip = settings.prefix().isEmpty() ? 0 : settings.prefix().length() + 1;
        List<StoredObject> objects = new ArrayList<>();
        try {
            call("list " + prefix, () -> {
                for (S3Object object : client.listObjectsV2Paginator(request -> request.bucket(settings.bucket()).prefix(fullPrefix)).contents()) {
                    if (object.key().endsWith("/")) {
                        continue;
                    }
                    objects.add(new StoredObject(object.key().substring(strip), object.size(), object.lastModified()));
                }
                return null;
            });
        }
        catch (NotFound e) {
            throw new StorageException("S3 bucket '" + settings.bucket() + "' does not exist (" + settings.location() + ")");
        }
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void delete(Collection<String> keys)
            throws IOException
    {
        List<String> all = List.copyOf(keys);
        for (int start = 0; start < all.size(); start += DELETE_BATCH) {
            List<ObjectIdentifier> batch = all.subList(start, Math.min(all.size(), start + DELETE_BATCH)).stream()
                    .map(key -> ObjectIdentifier.builder().key(fullKey(key)).build())
                    .toList();
            if (!batchDelete) {
                for (ObjectIdentifier object : batch) {
                    call("delete " + object.key(), () -> client.deleteObject(request -> request.bucket(settings.bucket()).key(object.key())));
                }
                continue;
            }
            DeleteObjectsResponse response;
            try {
                response = client.deleteObjects(request -> request.bucket(settings.bucket()).delete(Delete.builder().objects(batch).quiet(true).build()));
            }
            catch (AwsServiceException e) {
                if (e.statusCode() == 501) {
                    // a store without DeleteObjects (or without its checksum header): one request per object from now on
                    batchDelete = false;
                    start -= DELETE_BATCH;
                    continue;
                }
                throw translate("delete " + batch.size() + " objects", e);
            }
            if (response.hasErrors() && !response.errors().isEmpty()) {
                throw new StorageException("S3 refused to delete " + response.errors().get(0).key() + ": " + response.errors().get(0).code()
                        + " (" + response.errors().size() + " failures)");
            }
        }
    }

    @Override
    public String location()
    {
        return settings.location();
    }

    @Override
    public void close()
    {
        partUploads.shutdownNow();
        client.close();
        if (credentials instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            }
            catch (Exception ignored) {
                // nothing to do
            }
        }
    }

    private PutObjectRequest.Builder putRequest(String key)
    {
        PutObjectRequest.Builder builder = PutObjectRequest.builder().bucket(settings.bucket()).key(fullKey(key));
        settings.serverSideEncryption().ifPresent(sse -> builder.serverSideEncryption(ServerSideEncryption.fromValue(sse)));
        settings.sseKmsKeyId().ifPresent(builder::ssekmsKeyId);
        settings.storageClass().ifPresent(storageClass -> builder.storageClass(StorageClass.fromValue(storageClass)));
        return builder;
    }

    private String fullKey(String key)
    {
        return settings.prefix().isEmpty() ? key : settings.prefix() + "/" + key;
    }

    /** Runs an S3 call, turning SDK errors into one-line StorageExceptions; a missing key becomes NotFound. */
    private <T> T call(String what, Supplier<T> action)
            throws IOException
    {
        try {
            return action.get();
        }
        catch (NoSuchKeyException e) {
            throw new NotFound();
        }
        catch (AwsServiceException e) {
            throw translate(what, e);
        }
        catch (SdkClientException e) {
            // a server that refuses a request early (bad credentials, missing bucket) may just close the connection
            // while the body is sent: ask it something small to get the real reason
            try {
                client.listObjectsV2(request -> request.bucket(settings.bucket()).prefix(settings.prefix()).maxKeys(1));
            }
            catch (AwsServiceException diagnosis) {
                throw translate(what, diagnosis);
            }
            catch (SdkException ignored) {
                // unreachable as well: report the original failure
            }
            throw new StorageException("cannot " + what + " in " + settings.location()
                    + settings.endpoint().map(endpoint -> " at " + endpoint).orElse("") + ": " + firstLine(e.getMessage()), e);
        }
        catch (SdkException e) {
            throw new StorageException("S3 failed to " + what + ": " + firstLine(e.getMessage()), e);
        }
    }

    private IOException translate(String what, AwsServiceException e)
    {
        String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
        if (e instanceof StsException) {
            // the credentials provider failed before S3 was asked anything: S3 and the bucket policy are not the cause
            return new StorageException("cannot assume the role AWS_ROLE_ARN='" + settings.roleArn().orElse("") + "' ("
                    + (code == null ? "HTTP " + e.statusCode() : code) + "): check the base credentials and the role's trust policy", e);
        }
        if ("NoSuchBucket".equals(code)) {
            return new StorageException("S3 bucket '" + settings.bucket() + "' does not exist (" + settings.location() + ")", e);
        }
        if (e.statusCode() == 404 && code == null || "NotFound".equals(code)) {
            return new NotFound();
        }
        if (e.statusCode() == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
            return new StorageException("S3 denied access to " + settings.location() + " (" + (code == null ? "403" : code)
                    + "): check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ROLE_ARN or the bucket policy", e);
        }
        return new StorageException("S3 failed to " + what + " in " + settings.location() + ": "
                + (code == null ? "HTTP " + e.statusCode() : code) + " " + firstLine(e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage())
                + notImplementedHint(code), e);
    }

    /** S3-compatible stores answer 501 NotImplemented to request headers they lack: name the settings that send them. */
    private String notImplementedHint(String code)
    {
        if (!"NotImplemented".equals(code)) {
            return "";
        }
        List<String> settingsSent = new ArrayList<>();
        settings.serverSideEncryption().ifPresent(sse -> settingsSent.add("WALG_S3_SSE=" + sse));
        settings.sseKmsKeyId().ifPresent(key -> settingsSent.add("WALG_S3_SSE_KMS_ID"));
        settings.storageClass().ifPresent(storageClass -> settingsSent.add("WALG_S3_STORAGE_CLASS=" + storageClass));
        return settingsSent.isEmpty() ? "" : " (this store may not implement what " + String.join(", ", settingsSent) + " asks for)";
    }

    private static String firstLine(String message)
    {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static final class NotFound
            extends IOException
    {
        NotFound()
        {
            super(null, null);
        }
    }

    /** Buffers one part; a single PUT when the object fits in one part, multipart otherwise. */
    private final class S3UploadStream
            extends UploadStream
    {
        private final String key;
        private final int partSize;
        private final List<java.util.concurrent.Future<CompletedPart>> parts = new ArrayList<>();
        private byte[] buffer;
        private int filled;
        private String uploadId;
        private boolean done;

        S3UploadStream(String key)
        {
            this.key = key;
            this.partSize = (int) Math.min(Integer.MAX_VALUE - 16, settings.maxPartSize());
            this.buffer = new byte[Math.min(partSize, 1 << 20)];
        }

        @Override
        public void write(byte[] b, int off, int len)
                throws IOException
        {
            if (done) {
                throw new IOException("upload of " + key + " was already closed or aborted");
            }
            while (len > 0) {
                if (filled == buffer.length) {
                    if (buffer.length < partSize) {
                        buffer = java.util.Arrays.copyOf(buffer, (int) Math.min(partSize, (long) buffer.length * 2));
                    }
                    else {
                        try {
                            flushPart();
                        }
                        catch (IOException | RuntimeException e) {
                            // fail closed: a later close() must not publish what was buffered as the whole object
                            abort();
                            throw e;
                        }
                    }
                }
                int chunk = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, chunk);
                filled += chunk;
                off += chunk;
                len -= chunk;
            }
        }

        private void flushPart()
                throws IOException
        {
            if (uploadId == null) {
                CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder().bucket(settings.bucket()).key(fullKey(key));
                settings.serverSideEncryption().ifPresent(sse -> request.serverSideEncryption(ServerSideEncryption.fromValue(sse)));
                settings.sseKmsKeyId().ifPresent(request::ssekmsKeyId);
                settings.storageClass().ifPresent(storageClass -> request.storageClass(StorageClass.fromValue(storageClass)));
                uploadId = call("start multipart upload of " + key, () -> client.createMultipartUpload(request.build())).uploadId();
            }
            int partNumber = parts.size() + 1;
            byte[] body = buffer;
            int length = filled;
            buffer = new byte[partSize];
            filled = 0;
            try {
                partsInFlight.acquire();
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while uploading " + key);
            }
            String id = uploadId;
            parts.add(partUploads.submit(() -> {
                try {
                    String etag = call("upload part " + partNumber + " of " + key, () -> client.uploadPart(
                            request -> request.bucket(settings.bucket()).key(fullKey(key)).uploadId(id).partNumber(partNumber).contentLength((long) length),
                            RequestBody.fromBytes(java.util.Arrays.copyOf(body, length)))).eTag();
                    return CompletedPart.builder().partNumber(partNumber).eTag(etag).build();
                }
                finally {
                    partsInFlight.release();
                }
            }));
        }

        @Override
        public void close()
                throws IOException
        {
            if (done) {
                return;
            }
            done = true;
            try {
                if (uploadId == null) {
                    PutObjectRequest request = putRequest(key).build();
                    byte[] body = java.util.Arrays.copyOf(buffer, filled);
                    call("upload " + key, () -> client.putObject(request, RequestBody.fromBytes(body)));
                    return;
                }
                if (filled > 0) {
                    flushPart();
                }
                List<CompletedPart> completed = new ArrayList<>();
                for (java.util.concurrent.Future<CompletedPart> part : parts) {
                    completed.add(part.get());
                }
                String id = uploadId;
                call("complete multipart upload of " + key, () -> client.completeMultipartUpload(request -> request.bucket(settings.bucket()).key(fullKey(key))
                        .uploadId(id).multipartUpload(upload -> upload.parts(completed))));
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
                throw new java.io.InterruptedIOException("interrupted while uploading " + key);
            }
            catch (java.util.concurrent.ExecutionException e) {
                abort();
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new StorageException("upload of " + key + " failed: " + e.getCause(), e.getCause());
            }
            catch (IOException | RuntimeException e) {
                abort();
                throw e;
            }
            finally {
                buffer = null;
            }
        }

        @Override
        public void abort()
        {
            done = true;
            buffer = null;
            parts.forEach(part -> part.cancel(true));
            if (uploadId != null) {
                String id = uploadId;
                uploadId = null;
                try {
                    client.abortMultipartUpload(request -> request.bucket(settings.bucket()).key(fullKey(key)).uploadId(id));
                }
                catch (SdkException ignored) {
                    // the bucket's lifecycle rules clean up what we cannot
                }
            }
        }
    }
}
