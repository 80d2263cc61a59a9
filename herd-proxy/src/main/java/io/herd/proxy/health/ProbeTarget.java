package io.herd.proxy.health;

import io.herd.proxy.config.CheckSpec;

import java.net.URI;

import static java.util.Objects.requireNonNull;

/** One check of one backend. */
public record ProbeTarget(String backend, URI api, CheckSpec check)
{
    public ProbeTarget
    {
        requireNonNull(backend, "backend is null");
        requireNonNull(api, "api is null");
        requireNonNull(check, "check is null");
    }
}
