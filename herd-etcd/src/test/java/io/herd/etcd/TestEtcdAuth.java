package io.herd.etcd;

import io.etcd.jetcd.Auth;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.herd.core.cluster.HostPort;
import io.herd.core.config.EtcdConfig;
import io.herd.core.dcs.DcsException;
import io.herd.testing.EtcdServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.herd.etcd.EtcdTestSupport.RETRY_TIMEOUT;
import static io.herd.etcd.EtcdTestSupport.freshKeys;
import static io.herd.etcd.EtcdTestSupport.rawClient;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(120)
class TestEtcdAuth
{
    private static final String PASSWORD = "s3cret-pass";
    private static EtcdServer etcd;

    @BeforeAll
    static void startEtcdWithAuth()
            throws Exception
    {
        etcd = EtcdServer.launch();
        try (Client client = rawClient(etcd)) {
            Auth auth = client.getAuthClient();
            ByteSequence root = ByteSequence.from("root", UTF_8);
            auth.userAdd(root, ByteSequence.from(PASSWORD, UTF_8)).get(10, TimeUnit.SECONDS);
            auth.roleAdd(root).get(10, TimeUnit.SECONDS);
            auth.userGrantRole(root, root).get(10, TimeUnit.SECONDS);
            auth.authEnable().get(10, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopEtcd()
    {
        if (etcd != null) {
            etcd.close();
        }
    }

    @Test
    void usernameAndPasswordAuthenticate()
    {
        try (EtcdDcs a = new EtcdDcs(config(Optional.of(PASSWORD)), freshKeys(), "a", Duration.ofSeconds(30), RETRY_TIMEOUT)) {
            assertThat(a.acquireLeader()).isTrue();
            assertThat(a.readFresh().leaderName()).contains("a");
        }
    }

    @Test
    void wrongPasswordFailsWithoutNamingIt()
    {
        try (EtcdDcs a = new EtcdDcs(config(Optional.of("wrong-password")), freshKeys(), "a", Duration.ofSeconds(30), RETRY_TIMEOUT)) {
            assertThatThrownBy(a::readFresh)
                    .isInstanceOf(DcsException.class)
                    .hasMessageContaining("127.0.0.1:" + etcd.clientPort())
                    .hasMessageNotContaining("wrong-password");
        }
    }

    private static EtcdConfig config(Optional<String> password)
    {
        return new EtcdConfig(List.of(new HostPort("127.0.0.1", etcd.clientPort())), "http",
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("root"), password);
    }
}
