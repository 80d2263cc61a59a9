package io.herd.agent.ha;

import io.herd.core.config.ConfigLoader;
import io.herd.core.config.HerdConfig;
import io.herd.postgres.ReplicaMethod;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestReplicaMethods
{
    @Test
    void commandIsSplitLikeAShell()
    {
        assertThat(ReplicaMethods.splitWords("envdir \"/run/etc/wal-e.d/env\" bash /scripts/wale_restore.sh 'a b' c\\ d"))
                .containsExactly("envdir", "/run/etc/wal-e.d/env", "bash", "/scripts/wale_restore.sh", "a b", "c d");
    }

    @Test
    void unclosedQuoteIsRejected()
    {
        assertThatThrownBy(() -> ReplicaMethods.splitWords("herd 'oops")).hasMessageContaining("unclosed quote");
    }

    @Test
    void methodsKeepTheirOrderAndSettings()
    {
        HerdConfig config = new ConfigLoader(Map.of()).parseString("""
                scope: s
                name: n
                restapi: {listen: 127.0.0.1:8008}
                etcd3: {hosts: 127.0.0.1:2379}
                postgresql:
                  listen: 127.0.0.1:5432
                  data_dir: /tmp/x
                  authentication:
                    superuser: {username: postgres, password: a}
                    replication: {username: replicator, password: b}
                  create_replica_methods: [wal_g, basebackup]
                  wal_g:
                    command: herd backup-fetch-replica
                    no_leader: 1
                    threshold_megabytes: 100
                """);
        List<ReplicaMethod> methods = ReplicaMethods.from(config.postgresql());
        assertThat(methods).extracting(ReplicaMethod::name).containsExactly("wal_g", "basebackup");
        assertThat(methods.get(0).command()).containsExactly("herd", "backup-fetch-replica");
        assertThat(methods.get(0).noLeader()).isTrue();
        assertThat(methods.get(0).options()).containsExactly(Map.entry("threshold_megabytes", "100"));
        assertThat(methods.get(1).isBasebackup()).isTrue();
    }
}
