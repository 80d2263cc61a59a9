package io.herd.proxy;

import io.herd.proxy.routing.Backend;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Connection strings for clients that route themselves without any proxy hop: libpq and pgjdbc try each host in
 * turn and keep the one that accepts writes.
 */
public final class MultiHost
{
    private MultiHost() {}

    public static String libpq(Collection<Backend> backends)
    {
        return "postgresql://" + hosts(backends) + "/postgres?target_session_attrs=read-write";
    }

    public static String jdbc(Collection<Backend> backends)
    {
        return "jdbc:postgresql://" + hosts(backends) + "/postgres?targetServerType=primary";
    }

    private static String hosts(Collection<Backend> backends)
    {
        return backends.stream().map(backend -> backend.postgres().toString()).collect(Collectors.joining(","));
    }
}
