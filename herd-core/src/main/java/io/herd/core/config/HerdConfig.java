package io.herd.core.config;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * One agent's local configuration, read from Patroni's YAML format plus environment overrides.
 *
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
        warnings = List.copyOf(requireNonNull(warnings, "warnings is null"));
    }
}
