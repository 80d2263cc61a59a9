package io.herd.postgres;

import java.util.Set;

import static java.util.Objects.requireNonNull;

/** What {@link PostgresServer#syncReplicationSlots} did; {@code kept} are unwanted slots left alone because they are active. */
public record SlotChanges(Set<String> created, Set<String> dropped, Set<String> keptActive)
{
    public SlotChanges
    {
        created = Set.copyOf(requireNonNull(created, "created is null"));
        dropped = Set.copyOf(requireNonNull(dropped, "dropped is null"));
        keptActive = Set.copyOf(requireNonNull(keptActive, "keptActive is null"));
    }
}
