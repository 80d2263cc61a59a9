package io.herd.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.grpc.netty.GrpcSslContexts;
import io.herd.core.config.EtcdConfig;
import io.netty.handler.ssl.SslContextBuilder;

import javax.net.ssl.SSLException;

import java.time.Duration;

import static java.nio.charset.StandardCharsets.UTF_8;

/** Builds the jetcd client from the {@code etcd3} section: endpoints, TLS with optional client certificate, user and password. */
public final class EtcdClientFactory
{
    private EtcdClientFactory() {}

    public static Client create(EtcdConfig config, Duration retryTimeout)
    {
        ClientBuilder builder = Client.builder()
                .endpoints(config.endpoints())
                // fail fast while etcd is down; every call is bounded by retryTimeout and retried by us
                .waitForReady(false)
                .connectTimeout(retryTimeout)
                .retryMaxDuration(retryTimeout)
                .keepaliveTime(Duration.ofSeconds(10))
                .keepaliveTimeout(retryTimeout)
                .keepaliveWithoutCalls(true);
        if (config.protocol().equals("https")) {
            builder.sslContext(sslContext(config));
        }
        config.username().ifPresent(user -> builder.user(ByteSequence.from(user, UTF_8)));
        config.password().ifPresent(password -> builder.password(ByteSequence.from(password, UTF_8)));
        return builder.build();
    }

    private static io.netty.handler.ssl.SslContext sslContext(EtcdConfig config)
    {
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        config.cacert().ifPresent(ca -> ssl.trustManager(ca.toFile()));
        if (config.cert().isPresent() && config.key().isPresent()) {
            // Netty reads PKCS#8 keys ("BEGIN PRIVATE KEY")
            ssl.keyManager(config.cert().get().toFile(), config.key().get().toFile());
        }
        try {
            return ssl.build();
        }
        catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot set up TLS for etcd (cacert " + config.cacert().orElse(null)
                    + ", cert " + config.cert().orElse(null) + ", key " + config.key().orElse(null) + "): " + e.getMessage(), e);
        }
    }
}
