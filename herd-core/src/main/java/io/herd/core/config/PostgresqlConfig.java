package io.herd.core.config;

import io.herd.core.cluster.HostPort;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The local {@code postgresql} section.
 *
 * @param listenHosts the hosts of {@code listen} ({@code *} and {@code 0.0.0.0} included as written)
 * @param replicaMethods per-method settings ({@code postgresql.<method>}) for the names in {@code createReplicaMethods}
 */
public record PostgresqlConfig(
        List<String> listenHosts,
        int port,
        HostPort connectAddress,
        Path dataDir,
        Path binDir,
        Path pgpass,
        Credentials superuser,
        Credentials replication,
        Optional<Credentials> rewind,
        Map<String, String> parameters,
        List<String> pgHba,
        List<String> createReplicaMethods,
        List<String> basebackup,
        Map<String, Map<String, Object>> replicaMethods,
        boolean removeDataDirectoryOnRewindFailure)
{
    public PostgresqlConfig
    {
        listenHosts = List.copyOf(requireNonNull(listenHosts, "listenHosts is null"));
        requireNonNull(connectAddress, "connectAddress is null");
        requireNonNull(dataDir, "dataDir is null");
        requireNonNull(binDir, "binDir is null");
        requireNonNull(pgpass, "pgpass is null");
        requireNonNull(superuser, "superuser is null");
        requireNonNull(replication, "replication is null");
        requireNonNull(rewind, "rewind is null");
        parameters = Map.copyOf(requireNonNull(parameters, "parameters is null"));
        pgHba = List.copyOf(requireNonNull(pgHba, "pgHba is null"));
        createReplicaMethods = List.copyOf(requireNonNull(createReplicaMethods, "createReplicaMethods is null"));
        basebackup = List.copyOf(requireNonNull(basebackup, "basebackup is null"));
        replicaMethods = Map.copyOf(requireNonNull(replicaMethods, "replicaMethods is null"));
    }

    public String connUrl()
    {
        return "postgres://" + connectAddress + "/postgres";
    }
}
