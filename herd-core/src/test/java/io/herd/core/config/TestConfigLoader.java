package io.herd.core.config;

import io.herd.core.cluster.HostPort;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestConfigLoader
{
    /** A configuration as written for Patroni 3.0 (Debian's example, trimmed). */
    private static final String PATRONI_3 = """
            scope: batman
            namespace: /service/
            name: postgresql0
            restapi:
              listen: 127.0.0.1:8008
              connect_address: 127.0.0.1:8008
              authentication:
                username: admin
                password: secret
            etcd3:
              hosts: 127.0.0.1:2379,127.0.0.2:2379
            bootstrap:
              dcs:
                ttl: 30
                loop_wait: 10
                retry_timeout: 10
                maximum_lag_on_failover: 1048576
                master_start_timeout: 300
                postgresql:
                  use_pg_rewind: true
                  use_slots: true
                  parameters:
                    wal_level: hot_standby
                    hot_standby: "on"
                    max_wal_senders: 10
              initdb:
              - encoding: UTF8
              - data-checksums
              pg_hba:
              - host replication replicator 127.0.0.1/32 md5
              - host all all 0.0.0.0/0 md5
              users:
                admin:
                  password: admin
                  options: [createrole, createdb]
            postgresql:
              listen: 127.0.0.1:5432
              connect_address: 127.0.0.1:5432
              data_dir: data/postgresql0
              pgpass: /tmp/pgpass0
              authentication:
                replication:
                  username: replicator
                  password: rep-pass
                superuser:
                  username: postgres
                  password: zalando
                rewind:
                  username: rewind_user
                  password: rewind_password
              parameters:
                unix_socket_directories: '.'
            watchdog:
              mode: automatic
              device: /dev/watchdog
              safety_margin: 5
            tags:
              nofailover: false
              noloadbalance: false
              clonefrom: false
              nosync: false
            """;

    @Test
    void patroni3ConfigurationLoadsUnchanged()
    {
        HerdConfig config = new ConfigLoader(Map.of()).parseString(PATRONI_3);

        assertThat(config.scope()).isEqualTo("batman");
        assertThat(config.name()).isEqualTo("postgresql0");
        assertThat(config.restapi().listen()).isEqualTo(new HostPort("127.0.0.1", 8008));
        assertThat(config.restapi().authentication()).map(Credentials::username).contains("admin");
        assertThat(config.etcd().hosts()).containsExactly(new HostPort("127.0.0.1", 2379), new HostPort("127.0.0.2", 2379));
        assertThat(config.bootstrap().initdb()).containsExactly("--encoding=UTF8", "--data-checksums");
        assertThat(config.postgresql().pgHba()).containsExactly("host replication replicator 127.0.0.1/32 md5", "host all all 0.0.0.0/0 md5");
        assertThat(config.postgresql().dataDir()).isEqualTo(Path.of("data/postgresql0"));
        assertThat(config.postgresql().superuser().password()).contains("zalando");
        assertThat(config.postgresql().rewind()).map(Credentials::username).contains("rewind_user");
        assertThat(config.postgresql().createReplicaMethods()).containsExactly("basebackup");
        assertThat(config.warnings()).isEmpty();
    }

    @Test
    void bootstrapDcsTimingIsKeptAsWritten()
    {
        DynamicConfig dynamic = DynamicConfig.parse(new ConfigLoader(Map.of()).parseString(PATRONI_3).bootstrap().dcs());
        assertThat(dynamic.ttl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(dynamic.loopWait()).isEqualTo(Duration.ofSeconds(10));
        assertThat(dynamic.retryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(dynamic.primaryStartTimeout()).isEqualTo(Duration.ofSeconds(300));
        assertThat(dynamic.usePgRewind()).isTrue();
        assertThat(dynamic.parameters()).containsEntry("max_wal_senders", "10");
    }

    @Test
    void herdDefaultTimingSatisfiesPatronisRule()
    {
        DynamicConfig dynamic = DynamicConfig.defaults();
        assertThat(dynamic.loopWait().plus(dynamic.retryTimeout().multipliedBy(2))).isLessThanOrEqualTo(dynamic.ttl());
        assertThat(dynamic.warnings()).isEmpty();
    }

    @Test
    void timingViolatingTheRuleIsAdjustedWithWarning()
    {
        DynamicConfig dynamic = DynamicConfig.parse((com.fasterxml.jackson.databind.node.ObjectNode) io.herd.core.cluster.PatroniCodec.readTree("{\"ttl\":10,\"loop_wait\":10,\"retry_timeout\":3}"));
        assertThat(dynamic.loopWait()).isEqualTo(Duration.ofSeconds(4));
        assertThat(dynamic.warnings()).hasSize(1);
    }

    @Test
    void unknownKeysWarnOncePerKey()
    {
        HerdConfig config = new ConfigLoader(Map.of()).parseString(PATRONI_3 + "colour: blue\n" + "extra_section:\n  a: 1\n");
        assertThat(config.warnings()).containsExactly("unknown configuration key 'colour' is ignored", "unknown configuration key 'extra_section' is ignored");
    }

    @Test
    void patroniEnvironmentOverridesTheFile()
    {
        HerdConfig config = new ConfigLoader(Map.of("PATRONI_NAME", "node9", "PATRONI_ETCD3_HOSTS", "'10.0.0.1:2379','10.0.0.2:2379'",
                "PATRONI_SUPERUSER_PASSWORD", "from-env", "PATRONI_RESTAPI_LISTEN", "127.0.0.1:9008")).parseString(PATRONI_3);
        assertThat(config.name()).isEqualTo("node9");
        assertThat(config.etcd().hosts()).containsExactly(new HostPort("10.0.0.1", 2379), new HostPort("10.0.0.2", 2379));
        assertThat(config.postgresql().superuser().password()).contains("from-env");
        assertThat(config.restapi().listen().port()).isEqualTo(9008);
    }

    @Test
    void spiloVariablesConfigureEtcdOverHttpsWithClientCertificates()
    {
        HerdConfig config = new ConfigLoader(Map.of("SCOPE", "prod", "PGVERSION", "15", "ETCD3_HOSTS", "\"etcd1:2379\",\"etcd2:2379\"",
                "ETCD3_PROTOCOL", "https", "ETCD3_CACERT", "/dev/null", "ETCD3_CERT", "/dev/null", "ETCD3_KEY", "/dev/null"))
                .parseString(PATRONI_3.replace("etcd3:\n  hosts: 127.0.0.1:2379,127.0.0.2:2379\n", ""));
        assertThat(config.scope()).isEqualTo("prod");
        assertThat(config.etcd().protocol()).isEqualTo("https");
        assertThat(config.etcd().hosts()).containsExactly(new HostPort("etcd1", 2379), new HostPort("etcd2", 2379));
        assertThat(config.etcd().cert()).contains(Path.of("/dev/null"));
        assertThat(config.postgresql().binDir()).isEqualTo(Path.of("/usr/lib/postgresql/15/bin"));
    }

    @Test
    void missingRequiredKeysAreNamedTogether()
    {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parseString("name: a\n"))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).anySatisfy(p -> assertThat(p).startsWith("scope: missing"))
                        .anySatisfy(p -> assertThat(p).startsWith("restapi.listen: missing"))
                        .anySatisfy(p -> assertThat(p).startsWith("etcd3: missing"))
                        .anySatisfy(p -> assertThat(p).startsWith("postgresql.data_dir: missing")));
    }

    @Test
    void invalidAddressNamesKeyAndValue()
    {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parseString(PATRONI_3.replace("listen: 127.0.0.1:8008", "listen: 127.0.0.1:eighty")))
                .hasMessageContaining("restapi.listen is '127.0.0.1:eighty', expected host:port");
    }

    @Test
    void nonBooleanTagIsRejected()
    {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parseString(PATRONI_3.replace("nofailover: false", "nofailover: maybe")))
                .hasMessageContaining("tags.nofailover is 'maybe', expected true or false");
    }

    @Test
    void etcdV2SectionIsRejectedWithAdvice()
    {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parseString(PATRONI_3.replace("etcd3:", "etcd:")))
                .hasMessageContaining("rename the section to etcd3");
    }

    @Test
    void invalidYamlReportsLine()
    {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parseString("scope: [unclosed\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("not valid YAML");
    }

    @Test
    void missingFileIsNamed()
    {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).load(Optional.of(Path.of("/nonexistent/herd.yml"))))
                .hasMessageContaining("/nonexistent/herd.yml does not exist");
    }

    @Test
    void passwordsNeverAppearInToString()
    {
        HerdConfig config = new ConfigLoader(Map.of()).parseString(PATRONI_3);
        assertThat(config.toString()).doesNotContain("zalando", "rep-pass", "secret", "rewind_password");
    }

    @Test
    void customReplicaMethodWithoutItsSectionIsRejected()
    {
        assertThatThrownBy(() -> new ConfigLoader(Map.of()).parseString(PATRONI_3.replace("  pgpass: /tmp/pgpass0\n",
                "  pgpass: /tmp/pgpass0\n  create_replica_methods: [my_restore, basebackup]\n")))
                .hasMessageContaining("postgresql.my_restore is missing");
    }

    @Test
    void spiloReplicaMethodsNeedNoSection()
    {
        HerdConfig config = new ConfigLoader(Map.of()).parseString(PATRONI_3.replace("  pgpass: /tmp/pgpass0\n",
                "  pgpass: /tmp/pgpass0\n  create_replica_method: [wal_e, basebackup_fast_xlog]\n"));
        assertThat(config.postgresql().createReplicaMethods()).containsExactly("wal_e", "basebackup_fast_xlog");
    }

    @Test
    void customReplicaMethodSectionIsRead()
    {
        HerdConfig config = new ConfigLoader(Map.of()).parseString(PATRONI_3.replace("  pgpass: /tmp/pgpass0\n",
                "  pgpass: /tmp/pgpass0\n  create_replica_methods: [wal_g, basebackup]\n  wal_g:\n    command: herd backup-fetch\n    no_leader: 1\n"));
        assertThat(config.postgresql().createReplicaMethods()).containsExactly("wal_g", "basebackup");
        assertThat(config.postgresql().replicaMethods()).containsKey("wal_g");
        assertThat(config.warnings()).isEmpty();
    }
}
