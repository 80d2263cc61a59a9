package io.herd.agent.backup;

import com.fasterxml.jackson.databind.JsonNode;
import io.herd.core.config.ConfigException;
import io.herd.core.config.HerdConfig;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * How this agent backs its cluster up, derived from Spilo's variables ({@code WAL_S3_BUCKET}, {@code USE_WALG_*},
 * {@code BACKUP_SCHEDULE}, {@code BACKUP_NUM_TO_RETAIN}, {@code CLONE_*}), WAL-G's own ({@code WALG_*}, {@code AWS_*}),
 * or the YAML {@code backup} section (upper-case keys are WAL-G variables; {@code schedule}, {@code retain}, and a
 * {@code clone} mapping of the same form with {@code target_time}).
 *
 * @param walgEnvironment WAL-G variables for this cluster's own archive
 * @param archive whether PostgreSQL archives WAL and base backups are taken ({@code USE_WALG_BACKUP})
 * @param restore whether replicas and recovery fetch WAL from the archive ({@code USE_WALG_RESTORE})
 * @param cloneFrom where a new cluster is restored from instead of running initdb
 */
public record BackupPlan(Map<String, String> walgEnvironment, boolean archive, boolean restore, String schedule, int retain, Optional<CloneSource> cloneFrom)
{
    public static final String DEFAULT_SCHEDULE = "0 1 * * *";
    public static final int DEFAULT_RETAIN = 5;

    public BackupPlan
    {
        walgEnvironment = Map.copyOf(requireNonNull(walgEnvironment, "walgEnvironment is null"));
        requireNonNull(schedule, "schedule is null");
        requireNonNull(cloneFrom, "cloneFrom is null");
    }

    /** Another cluster's archive to bootstrap from, up to {@code targetTime} (or its end). */
    public record CloneSource(Map<String, String> walgEnvironment, Optional<String> targetTime)
    {
        public CloneSource
        {
            walgEnvironment = Map.copyOf(requireNonNull(walgEnvironment, "walgEnvironment is null"));
            requireNonNull(targetTime, "targetTime is null");
        }
    }

    /** Empty when no archive is configured at all. */
    public static Optional<BackupPlan> from(HerdConfig config, JsonNode backupSection, Map<String, String> env)
    {
        Map<String, String> settings = new LinkedHashMap<>();
        // the process environment first, then the YAML section, so a file states the intent explicitly
        env.forEach((key, value) -> {
            if (key.startsWith("WALG_") || key.startsWith("WALE_") || key.startsWith("AWS_")) {
                settings.put(key, value);
            }
        });
        Map<String, String> yaml = upperCaseKeys(backupSection);
        settings.putAll(yaml);

        boolean spiloStyle = env.containsKey("WAL_S3_BUCKET") || yaml.containsKey("WAL_S3_BUCKET");
        String bucket = yaml.getOrDefault("WAL_S3_BUCKET", env.get("WAL_S3_BUCKET"));
        settings.remove("WAL_S3_BUCKET");
        if (bucket != null && !settings.containsKey("WALG_S3_PREFIX") && !settings.containsKey("WALE_S3_PREFIX")) {
            String scopePrefix = env.getOrDefault("WAL_BUCKET_SCOPE_PREFIX", "");
            String scopeSuffix = env.getOrDefault("WAL_BUCKET_SCOPE_SUFFIX", "");
            String version = env.getOrDefault("PGVERSION", "15");
            settings.put("WALG_S3_PREFIX", "s3://" + bucket + "/spilo/" + scopePrefix + config.scope() + scopeSuffix + "/wal/" + version);
        }
        if (!settings.containsKey("WALG_S3_PREFIX") && !settings.containsKey("WALE_S3_PREFIX") && !settings.containsKey("WALG_FILE_PREFIX")) {
            return Optional.empty();
        }
        if (spiloStyle && !settings.containsKey("WALG_COMPRESSION_METHOD")) {
            // what Spilo deployments write (.br objects)
            settings.put("WALG_COMPRESSION_METHOD", "brotli");
        }
        boolean archive = flag(yaml, env, "USE_WALG_BACKUP", true);
        boolean restore = flag(yaml, env, "USE_WALG_RESTORE", true);
        settings.remove("USE_WALG_BACKUP");
        settings.remove("USE_WALG_RESTORE");

        String schedule = text(backupSection, "schedule").orElse(env.getOrDefault("BACKUP_SCHEDULE", DEFAULT_SCHEDULE));
        String retainText = text(backupSection, "retain").orElse(env.getOrDefault("BACKUP_NUM_TO_RETAIN", Integer.toString(DEFAULT_RETAIN)));
        int retain;
        try {
            retain = Integer.parseInt(retainText.trim());
        }
        catch (NumberFormatException e) {
            throw new ConfigException("backup retain (BACKUP_NUM_TO_RETAIN) is '" + retainText + "', expected a whole number of backups to keep");
        }
        if (retain < 1) {
            throw new ConfigException("backup retain (BACKUP_NUM_TO_RETAIN) is " + retain + ", expected at least 1");
        }
        CronSchedule.parse(schedule); // fail at start, naming the value
        return Optional.of(new BackupPlan(settings, archive, restore, schedule, retain, cloneSource(backupSection.path("clone"), env)));
    }

    private static Optional<CloneSource> cloneSource(JsonNode yaml, Map<String, String> env)
    {
        Map<String, String> settings = new LinkedHashMap<>();
        Optional<String> target = text(yaml, "target_time");
        if (yaml.isObject()) {
            settings.putAll(upperCaseKeys(yaml));
        }
        else if (env.getOrDefault("CLONE_METHOD", "").equalsIgnoreCase("CLONE_WITH_WALE") || env.getOrDefault("CLONE_METHOD", "").equalsIgnoreCase("CLONE_WITH_WALG")) {
            env.forEach((key, value) -> {
                if (key.startsWith("CLONE_WALG_") || key.startsWith("CLONE_WALE_") || key.startsWith("CLONE_AWS_")) {
                    settings.put(key.substring("CLONE_".length()), value);
                }
            });
            String bucket = env.get("CLONE_WAL_S3_BUCKET");
            String scope = env.get("CLONE_SCOPE");
            if (bucket != null && scope != null && !settings.containsKey("WALG_S3_PREFIX")) {
                settings.put("WALG_S3_PREFIX", "s3://" + bucket + "/spilo/" + scope + "/wal/" + env.getOrDefault("PGVERSION", "15"));
            }
            target = Optional.ofNullable(env.get("CLONE_TARGET_TIME")).filter(t -> !t.isBlank());
        }
        else {
            return Optional.empty();
        }
        if (!settings.containsKey("WALG_S3_PREFIX") && !settings.containsKey("WALE_S3_PREFIX") && !settings.containsKey("WALG_FILE_PREFIX")) {
            throw new ConfigException("backup clone: no archive to clone from; expected WALG_S3_PREFIX or WALG_FILE_PREFIX (or CLONE_SCOPE with CLONE_WAL_S3_BUCKET)");
        }
        return Optional.of(new CloneSource(settings, target));
    }

    private static Map<String, String> upperCaseKeys(JsonNode section)
    {
        Map<String, String> values = new LinkedHashMap<>();
        if (section != null && section.isObject()) {
            section.fields().forEachRemaining(e -> {
                if (e.getKey().equals(e.getKey().toUpperCase(Locale.ROOT)) && e.getValue().isValueNode() && !e.getValue().isNull()) {
                    values.put(e.getKey(), e.getValue().asText());
                }
            });
        }
        return values;
    }

    private static boolean flag(Map<String, String> yaml, Map<String, String> env, String name, boolean fallback)
    {
        String value = yaml.getOrDefault(name, env.get(name));
        // Spilo: any value but the string true disables
        return value == null ? fallback : value.trim().equalsIgnoreCase("true");
    }

    private static Optional<String> text(JsonNode node, String field)
    {
        JsonNode value = node == null ? null : node.get(field);
        return value == null || value.isNull() || !value.isValueNode() ? Optional.empty() : Optional.of(value.asText());
    }
}
