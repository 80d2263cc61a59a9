package io.herd.core.cluster;

import java.util.List;
import java.util.Map;

import static java.util.Objects.requireNonNull;

/** The {@code status} key: the leader's last published WAL position and its slots. */
public record ClusterStatus(long optime, Map<String, Long> slots, List<String> retainSlots)
{
    public static final ClusterStatus EMPTY = new ClusterStatus(0, Map.of(), List.of());

    public ClusterStatus
    {
        slots = Map.copyOf(requireNonNull(slots, "slots is null"));
        retainSlots = List.copyOf(requireNonNull(retainSlots, "retainSlots is null"));
    }
}
