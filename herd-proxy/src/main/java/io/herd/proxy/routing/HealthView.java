package io.herd.proxy.routing;

import io.herd.proxy.config.CheckSpec;
import io.herd.proxy.health.CheckState;

import java.util.HashMap;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/** The check states of every backend, by backend name and check. */
public record HealthView(Map<String, Map<CheckSpec, CheckState>> states)
{
    public HealthView
    {
        Map<String, Map<CheckSpec, CheckState>> copy = new HashMap<>();
        requireNonNull(states, "states is null").forEach((backend, checks) -> copy.put(backend, Map.copyOf(checks)));
        states = Map.copyOf(copy);
    }

    public CheckState state(String backend, CheckSpec check)
    {
        return states.getOrDefault(backend, Map.of()).getOrDefault(check, CheckState.UNKNOWN);
    }
}
