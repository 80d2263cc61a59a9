package io.herd.postgres;

import io.herd.core.cluster.HostPort;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Collections.unmodifiableMap;
import static java.util.Objects.requireNonNull;

/**
 * Everything {@link PostgresServer} needs to run one local PostgreSQL 15.
 *
 * @param listenHosts {@code listen_addresses}, e.g. {@code ["127.0.0.1"]} or {@code ["*"]}
 * @param connectAddress how other members reach this server
 * @param rewind the pg_rewind role; empty means pg_rewind connects as the superuser
 * @param parameters user GUCs, local and dynamic already merged by the caller; the ones Herd controls
 *         ({@code listen_addresses}, {@code port}, {@code cluster_name}, {@code unix_socket_directories},
 *         {@code hot_standby}) are overridden, the others only get Herd's defaults when absent
 * @param pgHba pg_hba.conf lines; empty means {@link PgHba#defaults}
 * @param pgpassPath the pgpass file Herd writes for primary_conninfo (mode 0600)
 * @param socketDir {@code unix_socket_directories}; keep it short, socket paths are limited to 107 bytes
 * @param logDir where the postmaster's stdout/stderr and the tool outputs go
 * @param initdbOptions extra initdb options, already flattened: {@code --encoding=UTF8}, {@code --data-checksums}
 * @param basebackupOptions extra pg_basebackup options such as {@code --max-rate=100M}; {@code --checkpoint=fast} is added unless a checkpoint option is given
 */
public record PostgresSettings(
        Path dataDir,
        Path binDir,
        List<String> listenHosts,
        int port,
        HostPort connectAddress,
        Credentials superuser,
        Credentials replication,
        Optional<Credentials> rewind,
        Map<String, String> parameters,
        List<String> pgHba,
        Path pgpassPath,
        Path socketDir,
        Path logDir,
        String clusterName,
        String memberName,
        List<String> initdbOptions,
        List<String> basebackupOptions,
        Duration startTimeout,
        Duration stopTimeout)
{
    public static final Path DEFAULT_BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");

    public PostgresSettings
    {
        requireNonNull(dataDir, "dataDir is null");
        requireNonNull(binDir, "binDir is null");
        listenHosts = List.copyOf(requireNonNull(listenHosts, "listenHosts is null"));
        requireNonNull(connectAddress, "connectAddress is null");
        requireNonNull(superuser, "superuser is null");
        requireNonNull(replication, "replication is null");
        requireNonNull(rewind, "rewind is null");
        parameters = unmodifiableMap(new LinkedHashMap<>(requireNonNull(parameters, "parameters is null")));
        pgHba = List.copyOf(requireNonNull(pgHba, "pgHba is null"));
        requireNonNull(pgpassPath, "pgpassPath is null");
        requireNonNull(socketDir, "socketDir is null");
        requireNonNull(logDir, "logDir is null");
        requireNonNull(clusterName, "clusterName is null");
        requireNonNull(memberName, "memberName is null");
        initdbOptions = List.copyOf(requireNonNull(initdbOptions, "initdbOptions is null"));
        basebackupOptions = List.copyOf(requireNonNull(basebackupOptions, "basebackupOptions is null"));
        requireNonNull(startTimeout, "startTimeout is null");
        requireNonNull(stopTimeout, "stopTimeout is null");
        if (listenHosts.isEmpty()) {
            throw new IllegalArgumentException("listenHosts is empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (startTimeout.isNegative() || startTimeout.isZero() || stopTimeout.isNegative() || stopTimeout.isZero()) {
            throw new IllegalArgumentException("startTimeout and stopTimeout must be positive");
        }
        int socketPathLength = socketDir.toAbsolutePath().resolve(".s.PGSQL." + port + ".lock").toString().length();
        if (socketPathLength > 107) {
            throw new IllegalArgumentException("socketDir " + socketDir + " is too long for a unix socket path (" + socketPathLength + " > 107 bytes)");
        }
    }

    /** The credentials pg_rewind and {@link PostgresServer#needsRewind} use: the rewind role, else the superuser. */
    public Credentials rewindOrSuperuser()
    {
        return rewind.orElse(superuser);
    }

    public static Builder builder(Path dataDir, int port)
    {
        return new Builder(dataDir, port);
    }

    /** Defaults: bin dir the Debian path, listen and connect on 127.0.0.1, socket dir and logs next to the data dir. */
    public static final class Builder
    {
        private final Path dataDir;
        private final int port;
        private Path binDir = DEFAULT_BIN_DIR;
        private List<String> listenHosts = List.of("127.0.0.1");
        private HostPort connectAddress;
        private Credentials superuser = new Credentials("postgres", Optional.empty());
        private Credentials replication = new Credentials("replicator", Optional.empty());
        private Optional<Credentials> rewind = Optional.empty();
        private final Map<String, String> parameters = new LinkedHashMap<>();
        private List<String> pgHba = List.of();
        private Path pgpassPath;
        private Path socketDir;
        private Path logDir;
        private String clusterName = "herd";
        private String memberName;
        private List<String> initdbOptions = List.of();
        private final List<String> basebackupOptions = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration stopTimeout = Duration.ofSeconds(60);

        private Builder(Path dataDir, int port)
        {
            this.dataDir = requireNonNull(dataDir, "dataDir is null").toAbsolutePath();
            this.port = port;
        }

        public Builder binDir(Path binDir)
        {
            this.binDir = binDir;
            return this;
        }

        public Builder listenHosts(List<String> listenHosts)
        {
            this.listenHosts = listenHosts;
            return this;
        }

        public Builder connectAddress(HostPort connectAddress)
        {
            this.connectAddress = connectAddress;
            return this;
        }

        public Builder superuser(Credentials superuser)
        {
            this.superuser = superuser;
            return this;
        }

        public Builder replication(Credentials replication)
        {
            this.replication = replication;
            return this;
        }

        public Builder rewind(Credentials rewind)
        {
            this.rewind = Optional.of(rewind);
            return this;
        }

        public Builder parameter(String name, String value)
        {
            parameters.put(name, value);
            return this;
        }

        public Builder pgHba(List<String> pgHba)
        {
            this.pgHba = pgHba;
            return this;
        }

        public Builder pgpassPath(Path pgpassPath)
        {
            this.pgpassPath = pgpassPath;
            return this;
        }

        public Builder socketDir(Path socketDir)
        {
            this.socketDir = socketDir;
            return this;
        }

        public Builder logDir(Path logDir)
        {
            this.logDir = logDir;
            return this;
        }

        public Builder clusterName(String clusterName)
        {
            this.clusterName = clusterName;
            return this;
        }

        public Builder memberName(String memberName)
        {
            this.memberName = memberName;
            return this;
        }

        public Builder initdbOptions(List<String> initdbOptions)
        {
            this.initdbOptions = initdbOptions;
            return this;
        }

        public Builder basebackupOption(String option)
        {
            basebackupOptions.add(option);
            return this;
        }

        public Builder startTimeout(Duration startTimeout)
        {
            this.startTimeout = startTimeout;
            return this;
        }

        public Builder stopTimeout(Duration stopTimeout)
        {
            this.stopTimeout = stopTimeout;
            return this;
        }

        public PostgresSettings build()
        {
            Path parent = dataDir.getParent() == null ? dataDir : dataDir.getParent();
            return new PostgresSettings(
                    dataDir,
                    binDir,
                    listenHosts,
                    port,
                    connectAddress == null ? new HostPort(listenHosts.get(0).equals("*") ? "127.0.0.1" : listenHosts.get(0), port) : connectAddress,
                    superuser,
                    replication,
                    rewind,
                    parameters,
                    pgHba,
                    pgpassPath == null ? parent.resolve("pgpass." + port) : pgpassPath,
                    socketDir == null ? parent : socketDir,
                    logDir == null ? parent.resolve("log") : logDir,
                    clusterName,
                    memberName == null ? "member-" + port : memberName,
                    initdbOptions,
                    basebackupOptions,
                    startTimeout,
                    stopTimeout);
        }
    }
}
