package io.herd.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.herd.core.cluster.HostPort;
import io.herd.core.config.EtcdConfig;
import io.herd.core.dcs.DcsKeys;
import io.herd.testing.EtcdServer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.nio.charset.StandardCharsets.UTF_8;

final class EtcdTestSupport
{
    static final Duration RETRY_TIMEOUT = Duration.ofSeconds(3);
    private static final AtomicInteger SCOPES = new AtomicInteger();

    private EtcdTestSupport() {}

    static EtcdConfig config(EtcdServer server)
    {
        return EtcdConfig.plain(List.of(new HostPort(server.host(), server.clientPort())));
    }

    /** A cluster of its own for each test, so tests sharing one etcd do not see each other. */
    static DcsKeys freshKeys()
    {
        return DcsKeys.of("service", "test" + SCOPES.incrementAndGet());
    }

    static EtcdDcs dcs(EtcdServer server, DcsKeys keys, String member, Duration ttl)
    {
        return new EtcdDcs(config(server), keys, member, ttl, RETRY_TIMEOUT);
    }

    static Client rawClient(EtcdServer server)
    {
        return Client.builder().endpoints(server.endpoint()).build();
    }

    /** Writes raw bytes past the DCS, as a foreign or buggy writer would. */
    static void putRaw(Client client, String key, String value)
            throws Exception
    {
        client.getKVClient().put(ByteSequence.from(key, UTF_8), ByteSequence.from(value, UTF_8)).get(10, TimeUnit.SECONDS);
    }
}
