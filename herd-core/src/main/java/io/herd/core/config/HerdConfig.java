package io.herd.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One agent's local configuration, read from Patroni's YAML format plus environment overrides.
 *
 * @param backup the raw {@code backup} section (WAL-G variables, schedule, retention), read by the agent's backup wiring
 * @param warnings one line per key Herd does not know (logged at start, never fatal)
 */
public record HerdConfig(
        String scope,
        String namespace,
        String name,
        RestApiConfig restapi,
        EtcdConfig etcd,
        BootstrapConfig bootstrap,
        PostgresqlConfig postgresql,
        Map<String, Object> tags,
        Optional<ObjectNode> backup,
        List<String> warnings)
{
    public HerdConfig
    {
        requireNonNull(scope, "scope is null");
        requireNonNull(namespace, "namespace is null");
        requireNonNull(name, "name is null");
        requireNonNull(restapi, "restapi is null");
        requireNonNull(etcd, "etcd is null");
        requireNonNull(bootstrap, "bootstrap is null");
        requireNonNull(postgresql, "postgresql is null");
        tags = Map.copyOf(requireNonNull(tags, "tags is null"));
        requireNonNull(backup, "backup is null");
        warnings = List.copyOf(requireNonNull(warnings, "warnings is null"));
    }
}
