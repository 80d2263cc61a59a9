package io.herd.proxy.routing;

import io.herd.core.cluster.HostPort;
import io.herd.core.cluster.Member;

import java.net.URI;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A PostgreSQL node the proxy can forward to, with the REST API that vouches for it.
 *
 * @param api base URL of the node's REST API (scheme, host and port; the check path replaces any path)
 */
public record Backend(String name, HostPort postgres, URI api)
{
    public Backend
    {
        requireNonNull(name, "name is null");
        requireNonNull(postgres, "postgres is null");
        requireNonNull(api, "api is null");
    }

    /** A member as published in etcd; empty when its {@code conn_url} or {@code api_url} cannot be used. */
    public static Optional<Backend> fromMember(Member member)
    {
        Optional<HostPort> postgres = member.postgresAddress();
        Optional<HostPort> api = member.apiAddress();
        if (postgres.isEmpty() || api.isEmpty()) {
            return Optional.empty();
        }
        String scheme = member.apiUrl().trim().toLowerCase(java.util.Locale.ROOT).startsWith("https") ? "https" : "http";
        return Optional.of(new Backend(member.name(), postgres.get(), URI.create(scheme + "://" + api.get())));
    }

    @Override
    public String toString()
    {
        return name + "(" + postgres + ")";
    }
}
