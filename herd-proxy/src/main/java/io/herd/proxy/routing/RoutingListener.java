package io.herd.proxy.routing;

/** Told about each routing change, on the router thread: keep it short. */
public interface RoutingListener
{
    void routesChanged(Routes previous, Routes current);
}
