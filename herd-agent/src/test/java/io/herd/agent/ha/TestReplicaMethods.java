package io.herd.agent.ha;

import io.herd.agent.MinimalConfigs;
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
    void spiloMethodNamesMapToBuiltInSteps()
    {
        HerdConfig config = MinimalConfigs.withPostgresql("s", """
                  create_replica_method: [wal_e, basebackup_fast_xlog]
                  wal_e: {command: envdir /run/etc/wal-e.d/env bash /scripts/wale_restore.sh, no_leader: 1}
                  basebackup_fast_xlog: {command: /scripts/basebackup.sh, retries: 2}
                """);
        List<ReplicaMethods.Step> steps = ReplicaMethods.from(config.postgresql());
        assertThat(steps.get(0)).isInstanceOf(ReplicaMethods.FromBackup.class);
        assertThat(steps.get(1)).isInstanceOfSatisfying(ReplicaMethods.External.class, e -> assertThat(e.method().isBasebackup()).isTrue());
    }

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
        HerdConfig config = MinimalConfigs.withPostgresql("s", """
                  create_replica_methods: [my_restore, basebackup]
                  my_restore:
                    command: /usr/local/bin/restore --fast
                    no_leader: 1
                    threshold_megabytes: 100
                """);
        List<ReplicaMethods.Step> methods = ReplicaMethods.from(config.postgresql());
        assertThat(methods).extracting(ReplicaMethods.Step::name).containsExactly("my_restore", "basebackup");
        ReplicaMethod custom = ((ReplicaMethods.External) methods.get(0)).method();
        assertThat(custom.command()).containsExactly("/usr/local/bin/restore", "--fast");
        assertThat(custom.noLeader()).isTrue();
        assertThat(custom.options()).containsExactly(Map.entry("threshold_megabytes", "100"));
        assertThat(((ReplicaMethods.External) methods.get(1)).method().isBasebackup()).isTrue();
    }
}
