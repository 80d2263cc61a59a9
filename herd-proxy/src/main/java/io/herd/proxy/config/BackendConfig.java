package io.herd.proxy.config;

import io.herd.core.cluster.HostPort;

import java.net.URI;

import static java.util.Objects.requireNonNull;

/**
 * A statically configured cluster member.
 *
 * @param api base URL of its Patroni-compatible REST API, e.g. {@code http://10.0.0.1:8008}
 */
public record BackendConfig(String name, HostPort postgres, URI api)
{
    public BackendConfig
    {
        requireNonNull(name, "name is null");
        requireNonNull(postgres, "postgres is null");
        requireNonNull(api, "api is null");
    }
}
