package io.herd.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Writes the files of the data directory that Herd owns.
 *
 * <p>Like Patroni, Herd owns {@code postgresql.conf} as a whole: after initdb the generated file is renamed to
 * {@code postgresql.base.conf} and included first, so initdb's locale settings survive and everything Herd writes
 * after the include wins. Owning the whole file (instead of an include in a user-edited file) means a stale manual
 * edit can never override what the cluster configuration says, and a clone or rewind that copies the source's files
 * gets the member's own settings back with the next {@link #write}.
 */
final class PostgresConfigFiles
{
    static final String BASE_CONF = "postgresql.base.conf";
    static final String CONF = "postgresql.conf";
    static final String STANDBY_SIGNAL = "standby.signal";
    static final String RECOVERY_SIGNAL = "recovery.signal";

    /** Settings whose change needs a restart (context "postmaster" in pg_settings) among the ones clusters commonly set. */
    private static final Set<String> RESTART_PARAMETERS = Set.of(
            "listen_addresses", "port", "unix_socket_directories", "unix_socket_group", "unix_socket_permissions",
            "max_connections", "superuser_reserved_connections", "shared_buffers", "huge_pages", "wal_buffers",
            "wal_level", "wal_log_hints", "max_wal_senders", "max_replication_slots", "max_worker_processes",
            "max_locks_per_transaction", "max_pred_locks_per_transaction", "max_prepared_transactions",
            "hot_standby", "track_commit_timestamp", "archive_mode", "shared_preload_libraries", "cluster_name",
            "logging_collector", "autovacuum_max_workers", "max_files_per_process", "max_logical_replication_workers",
            "dynamic_shared_memory_type", "recovery_target_timeline", "recovery_target", "recovery_target_lsn",
            "recovery_target_name", "recovery_target_time", "recovery_target_xid", "hba_file", "ident_file",
            "config_file", "data_directory", "external_pid_file", "shared_memory_type", "wal_decode_buffer_size");

    /** Herd's defaults for the replication-related settings, used when the user parameters do not set them. */
    private static final Map<String, String> DEFAULTS = defaults();

    private final PostgresSettings settings;

    PostgresConfigFiles(PostgresSettings settings)
    {
        this.settings = requireNonNull(settings, "settings is null");
    }

    /** Moves initdb's postgresql.conf aside as postgresql.base.conf (only once). */
    void adoptInitdbConfiguration()
    {
        Path conf = settings.dataDir().resolve(CONF);
        Path base = settings.dataDir().resolve(BASE_CONF);
        try {
            if (Files.exists(conf) && !Files.exists(base)) {
                Files.move(conf, base);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parameters Herd writes for {@code role}, in file order. */
    Map<String, String> parameters(ServerRole role, Optional<ReplicationSource> source)
    {
        Map<String, String> parameters = new LinkedHashMap<>(DEFAULTS);
        parameters.putAll(settings.parameters());
        parameters.put("listen_addresses", String.join(",", settings.listenHosts()));
        parameters.put("port", Integer.toString(settings.port()));
        parameters.put("cluster_name", settings.clusterName());
        parameters.put("unix_socket_directories", settings.socketDir().toAbsolutePath().toString());
        parameters.put("hot_standby", "on");
        parameters.put("recovery_target_timeline", "latest");
        if (role == ServerRole.REPLICA && source.isPresent()) {
            ReplicationSource from = source.get();
            parameters.put("primary_conninfo", "host=" + Conninfo.quote(from.host()) + " port=" + from.port()
                    + " user=" + Conninfo.quote(from.user()) + " application_name=" + Conninfo.quote(from.applicationName())
                    + " passfile=" + Conninfo.quote(settings.pgpassPath().toAbsolutePath().toString())
                    + " connect_timeout=5");
            from.slotName().ifPresent(slot -> parameters.put("primary_slot_name", slot));
        }
        else {
            parameters.remove("primary_conninfo");
            parameters.remove("primary_slot_name");
        }
        return parameters;
    }

    /**
     * Writes postgresql.conf, pg_hba.conf, the pgpass file and the signal files for {@code role}.
     *
     * @return what a running server needs to apply the change
     */
    ConfigurationChange write(ServerRole role, Optional<ReplicationSource> source)
    {
        Path dataDir = settings.dataDir();
        Map<String, String> previous = readParameters(dataDir.resolve(CONF));
        Map<String, String> parameters = parameters(role, source);
        StringBuilder conf = new StringBuilder()
                .append("# Written by Herd: changes here are overwritten. Configure PostgreSQL through Herd.\n")
                .append("include_if_exists '").append(BASE_CONF).append("'\n");
        parameters.forEach((name, value) -> conf.append(name).append(" = ").append(Conninfo.confValue(value)).append('\n'));

        List<String> hbaLines = settings.pgHba().isEmpty() ? PgHba.defaults(settings.replication().username()) : settings.pgHba();
        String hba = "# Written by Herd: changes here are overwritten.\n" + String.join("\n", hbaLines) + "\n";
        String previousHba = readOrEmpty(dataDir.resolve("pg_hba.conf"));

        source.ifPresent(from -> writePgpass(settings.pgpassPath(), from));

        boolean wasStandby = Files.exists(dataDir.resolve(STANDBY_SIGNAL));
        boolean standby = role == ServerRole.REPLICA;
        try {
            writeAtomically(dataDir.resolve(CONF), conf.toString());
            writeAtomically(dataDir.resolve("pg_hba.conf"), hba);
            if (standby) {
                if (!wasStandby) {
                    Files.writeString(dataDir.resolve(STANDBY_SIGNAL), "");
                }
            }
            else {
                Files.deleteIfExists(dataDir.resolve(STANDBY_SIGNAL));
            }
            Files.deleteIfExists(dataDir.resolve(RECOVERY_SIGNAL));
        }
        catch (IOException e) {
            throw new PostgresException("cannot write configuration into " + dataDir + ": " + e.getMessage(), e);
        }

        if (wasStandby != standby) {
            return ConfigurationChange.RESTART;
        }
        boolean reload = !previousHba.equals(hba);
        for (String name : union(previous.keySet(), parameters.keySet())) {
            String before = previous.get(name);
            String after = parameters.get(name);
            if (before == null ? after != null : !before.equals(after == null ? null : Conninfo.confValue(after))) {
                if (RESTART_PARAMETERS.contains(name)) {
                    return ConfigurationChange.RESTART;
                }
                reload = true;
            }
        }
        return reload ? ConfigurationChange.RELOAD : ConfigurationChange.NONE;
    }

    /** Writes a pgpass file (mode 0600) with one line for {@code source}; any database matches. */
    static void writePgpass(Path file, ReplicationSource source)
    {
        String line = Conninfo.pgpassField(source.host()) + ":" + source.port() + ":*:" + Conninfo.pgpassField(source.user())
                + ":" + Conninfo.pgpassField(source.password().orElse("")) + "\n";
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, ".pgpass", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(temp, line, StandardCharsets.UTF_8);
            Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException e) {
            throw new PostgresException("cannot write pgpass file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void writeAtomically(Path file, String content)
            throws IOException
    {
        Path temp = file.resolveSibling(file.getFileName() + ".herd.tmp");
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
        Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The {@code name = value} lines of a postgresql.conf Herd wrote, values as written (quoted). */
    private static Map<String, String> readParameters(Path conf)
    {
        Map<String, String> parameters = new LinkedHashMap<>();
        for (String line : readOrEmpty(conf).split("\n")) {
            int equals = line.indexOf(" = ");
            if (!line.startsWith("#") && equals > 0) {
                parameters.put(line.substring(0, equals), line.substring(equals + 3));
            }
        }
        return parameters;
    }

    private static String readOrEmpty(Path file)
    {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Set<String> union(Set<String> first, Set<String> second)
    {
        Set<String> union = new java.util.LinkedHashSet<>(first);
        union.addAll(second);
        return union;
    }

    private static Map<String, String> defaults()
    {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("wal_level", "replica");
        defaults.put("wal_log_hints", "on");
        defaults.put("max_connections", "100");
        defaults.put("max_wal_senders", "10");
        defaults.put("max_replication_slots", "10");
        defaults.put("max_worker_processes", "8");
        defaults.put("max_locks_per_transaction", "64");
        defaults.put("max_prepared_transactions", "0");
        defaults.put("track_commit_timestamp", "off");
        defaults.put("wal_keep_size", "128MB");
        return defaults;
    }
}
