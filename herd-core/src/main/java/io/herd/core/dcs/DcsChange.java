package io.herd.core.dcs;

import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * Keys that changed, relative to the cluster prefix ({@code leader}, {@code config}, {@code members/node1}).
 * {@code resync} is set when the watch was re-established and anything may have changed.
 */
public record DcsChange(Set<String> keys, boolean resync)
{
    public DcsChange
    {
        keys = Set.copyOf(requireNonNull(keys, "keys is null"));
    }

    public boolean touches(String key)
    {
        return resync || keys.contains(key);
    }
}
