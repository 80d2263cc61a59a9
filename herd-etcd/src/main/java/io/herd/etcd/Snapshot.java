package io.herd.etcd;

import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** Every key under the cluster prefix (relative to it) at one etcd revision. */
record Snapshot(Map<String, EtcdValue> values, long revision)
{
    Snapshot
    {
        values = Map.copyOf(requireNonNull(values, "values is null"));
    }

    Optional<EtcdValue> get(String relativeKey)
    {
        return Optional.ofNullable(values.get(relativeKey));
    }
}
