package io.herd.proxy.routing;

import io.herd.proxy.health.ProbeTarget;

import java.util.Set;

/** What the router asks of the health checker. */
public interface Probes
{
    void setTargets(Set<ProbeTarget> targets);

    /** One extra round for every target, now. */
    void probeNow();
}
