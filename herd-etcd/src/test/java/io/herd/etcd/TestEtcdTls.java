package io.herd.etcd;

import io.herd.core.cluster.HostPort;
import io.herd.core.config.EtcdConfig;
import io.herd.core.dcs.DcsException;
import io.herd.testing.EtcdServer;
import io.herd.testing.EtcdTls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static io.herd.etcd.EtcdTestSupport.RETRY_TIMEOUT;
import static io.herd.etcd.EtcdTestSupport.freshKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

@Timeout(120)
class TestEtcdTls
{
    private static Path dir;
    private static EtcdTls tls;
    private static EtcdServer etcd;

    @BeforeAll
    static void startEtcd()
            throws Exception
    {
        assumeTrue(EtcdTls.opensslAvailable(), "openssl is not installed");
        dir = Files.createTempDirectory("herd-etcd-tls-");
        tls = EtcdTls.create(dir);
        etcd = EtcdServer.launchTls(tls);
    }

    @AfterAll
    static void stopEtcd()
    {
        if (etcd != null) {
            etcd.close();
        }
        if (dir != null) {
            dir.toFile().listFiles(file -> file.delete());
            dir.toFile().delete();
        }
    }

    @Test
    void httpsWithClientCertificateWorks()
    {
        EtcdConfig config = config(Optional.of(tls.clientCert()), Optional.of(tls.clientKey()));
        try (EtcdDcs a = new EtcdDcs(config, freshKeys(), "a", Duration.ofSeconds(30), RETRY_TIMEOUT)) {
            assertThat(a.acquireLeader()).isTrue();
            assertThat(a.readFresh().leaderName()).contains("a");
            await().atMost(Duration.ofSeconds(10)).until(a::cacheInSync);
            assertThat(a.clusterView().leaderName()).contains("a");
        }
    }

    @Test
    void httpsWithoutClientCertificateIsRefused()
    {
        EtcdConfig config = config(Optional.empty(), Optional.empty());
        try (EtcdDcs a = new EtcdDcs(config, freshKeys(), "a", Duration.ofSeconds(30), RETRY_TIMEOUT)) {
            assertThatThrownBy(a::acquireLeader).isInstanceOf(DcsException.class).hasMessageContaining("https://127.0.0.1:" + etcd.clientPort());
        }
    }

    private static EtcdConfig config(Optional<Path> cert, Optional<Path> key)
    {
        return new EtcdConfig(List.of(new HostPort("127.0.0.1", etcd.clientPort())), "https",
                Optional.of(tls.caCert()), cert, key, Optional.empty(), Optional.empty());
    }
}
