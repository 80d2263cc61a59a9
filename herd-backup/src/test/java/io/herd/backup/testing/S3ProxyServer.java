package io.herd.backup.testing;

import io.herd.testing.FreePorts;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/** An in-process S3Proxy on a random loopback port, storing into a directory (filesystem-nio2). */
public final class S3ProxyServer
        implements AutoCloseable
{
    public static final String ACCESS_KEY = "herd-access";
    public static final String SECRET_KEY = "herd-secret-key";

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final URI endpoint;

    public S3ProxyServer(Path directory)
            throws Exception
    {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", directory.toString());
        context = ContextBuilder.newBuilder("filesystem-nio2")
                .credentials(ACCESS_KEY, SECRET_KEY)
                .overrides(properties)
                .build(BlobStoreContext.class);
        endpoint = URI.create("http://127.0.0.1:" + FreePorts.next());
        proxy = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (!proxy.getState().equals("STARTED")) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(20);
        }
    }

    public void createBucket(String bucket)
    {
        context.getBlobStore().createContainerInLocation(null, bucket);
    }

    public URI endpoint()
    {
        return endpoint;
    }

    /** The environment WAL-G would be given for this server and prefix. */
    public Map<String, String> environment(String bucket, String prefix)
    {
        Map<String, String> env = new HashMap<>();
        env.put("WALG_S3_PREFIX", "s3://" + bucket + "/" + prefix);
        env.put("AWS_ENDPOINT", endpoint.toString());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_S3_FORCE_PATH_STYLE", "true");
        env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
        env.put("AWS_REQUEST_CHECKSUM_CALCULATION", "when_required");
        env.put("AWS_RESPONSE_CHECKSUM_VALIDATION", "when_required");
        env.put("WALG_S3_MAX_RETRIES", "2");
        return env;
    }

    @Override
    public void close()
            throws Exception
    {
        proxy.stop();
        context.close();
    }
}
