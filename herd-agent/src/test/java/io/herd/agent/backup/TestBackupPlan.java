package io.herd.agent.backup;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.herd.agent.MinimalConfigs;
import io.herd.core.config.ConfigException;
import io.herd.core.config.HerdConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestBackupPlan
{
    private static final HerdConfig CONFIG = MinimalConfigs.withPostgresql("batman", "");

    @Test
    void noArchiveMeansNoBackups()
    {
        assertThat(BackupPlan.from(CONFIG, MissingNode.getInstance(), Map.of("HOME", "/root"))).isEmpty();
    }

    @Test
    void spiloVariablesGiveSpilosPrefixAndBrotli()
    {
        BackupPlan plan = BackupPlan.from(CONFIG, MissingNode.getInstance(), Map.of("WAL_S3_BUCKET", "my-bucket", "PGVERSION", "15",
                "AWS_REGION", "eu-central-1", "BACKUP_NUM_TO_RETAIN", "3")).orElseThrow();
        assertThat(plan.walgEnvironment()).containsEntry("WALG_S3_PREFIX", "s3://my-bucket/spilo/batman/wal/15")
                .containsEntry("WALG_COMPRESSION_METHOD", "brotli")
                .containsEntry("AWS_REGION", "eu-central-1");
        assertThat(plan.retain()).isEqualTo(3);
        assertThat(plan.schedule()).isEqualTo("0 1 * * *");
        assertThat(plan.archive()).isTrue();
    }

    @Test
    void scopePrefixAndSuffixWrapTheScope()
    {
        BackupPlan plan = BackupPlan.from(CONFIG, MissingNode.getInstance(), Map.of("WAL_S3_BUCKET", "b", "WAL_BUCKET_SCOPE_PREFIX", "ns-",
                "WAL_BUCKET_SCOPE_SUFFIX", "/x")).orElseThrow();
        assertThat(plan.walgEnvironment()).containsEntry("WALG_S3_PREFIX", "s3://b/spilo/ns-batman/x/wal/15");
    }

    @Test
    void useWalgBackupOtherThanTrueDisablesArchiving()
    {
        BackupPlan plan = BackupPlan.from(CONFIG, MissingNode.getInstance(), Map.of("WAL_S3_BUCKET", "b", "USE_WALG_BACKUP", "yes")).orElseThrow();
        assertThat(plan.archive()).isFalse();
        assertThat(plan.restore()).isTrue();
    }

    @Test
    void yamlSectionStatesWalgVariablesScheduleAndRetention()
    {
        JsonNode section = io.herd.core.cluster.PatroniCodec.readTree("{\"WALG_FILE_PREFIX\":\"/backups\",\"schedule\":\"*/5 * * * *\",\"retain\":2}");
        BackupPlan plan = BackupPlan.from(CONFIG, section, Map.of()).orElseThrow();
        assertThat(plan.walgEnvironment()).containsEntry("WALG_FILE_PREFIX", "/backups").doesNotContainKey("WALG_COMPRESSION_METHOD");
        assertThat(plan.schedule()).isEqualTo("*/5 * * * *");
        assertThat(plan.retain()).isEqualTo(2);
        assertThat(plan.cloneFrom()).isEmpty();
    }

    @Test
    void spiloCloneVariablesDescribeTheSourceArchive()
    {
        BackupPlan plan = BackupPlan.from(CONFIG, MissingNode.getInstance(), Map.of("WAL_S3_BUCKET", "b", "CLONE_METHOD", "CLONE_WITH_WALE",
                "CLONE_SCOPE", "old", "CLONE_WAL_S3_BUCKET", "old-bucket", "CLONE_TARGET_TIME", "2026-11-25T10:00:00+00:00",
                "CLONE_AWS_REGION", "us-east-1")).orElseThrow();
        BackupPlan.CloneSource clone = plan.cloneFrom().orElseThrow();
        assertThat(clone.walgEnvironment()).containsEntry("WALG_S3_PREFIX", "s3://old-bucket/spilo/old/wal/15").containsEntry("AWS_REGION", "us-east-1");
        assertThat(clone.targetTime()).contains("2026-11-25T10:00:00+00:00");
    }

    @Test
    void badScheduleIsNamed()
    {
        assertThatThrownBy(() -> BackupPlan.from(CONFIG, MissingNode.getInstance(), Map.of("WALG_FILE_PREFIX", "/b", "BACKUP_SCHEDULE", "every day")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("BACKUP_SCHEDULE) is 'every day'");
    }

    @Test
    void badRetentionIsNamed()
    {
        assertThatThrownBy(() -> BackupPlan.from(CONFIG, MissingNode.getInstance(), Map.of("WALG_FILE_PREFIX", "/b", "BACKUP_NUM_TO_RETAIN", "many")))
                .hasMessageContaining("BACKUP_NUM_TO_RETAIN) is 'many'");
    }

    @Test
    void scheduleGivesTheNextRun()
    {
        var next = CronSchedule.parse("0 1 * * *").next(java.time.ZonedDateTime.parse("2026-11-25T20:00:00Z"));
        assertThat(next).map(java.time.ZonedDateTime::toString).isEqualTo(Optional.of("2026-11-26T01:00Z"));
    }
}
