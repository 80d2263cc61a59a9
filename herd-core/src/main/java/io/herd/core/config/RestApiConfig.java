package io.herd.core.config;

import io.herd.core.cluster.HostPort;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The {@code restapi} section. {@code authentication} protects the write endpoints only, as in Patroni. */
public record RestApiConfig(HostPort listen, HostPort connectAddress, Optional<Credentials> authentication)
{
    public RestApiConfig
    {
        requireNonNull(listen, "listen is null");
        requireNonNull(connectAddress, "connectAddress is null");
        requireNonNull(authentication, "authentication is null");
    }

    public String apiUrl()
    {
        return "http://" + connectAddress + "/patroni";
    }
}
