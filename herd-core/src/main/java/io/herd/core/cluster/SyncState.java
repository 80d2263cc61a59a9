package io.herd.core.cluster;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/** The {@code sync} key: who is leader in synchronous mode and which standbys are known to be synchronous. */
public record SyncState(Optional<String> leader, Set<String> syncStandbys, int quorum, long modRevision)
{
    public static final SyncState EMPTY = new SyncState(Optional.empty(), Set.of(), 0, 0);

    public SyncState
    {
        requireNonNull(leader, "leader is null");
        syncStandbys = Set.copyOf(requireNonNull(syncStandbys, "syncStandbys is null"));
    }

    public boolean isEmpty()
    {
        return leader.isEmpty();
    }

    /** Patroni matches names in the sync key case-insensitively. */
    public boolean matches(String name)
    {
        String lower = name.toLowerCase(Locale.ROOT);
        return leader.map(l -> l.toLowerCase(Locale.ROOT).equals(lower)).orElse(false)
                || syncStandbys.stream().anyMatch(s -> s.toLowerCase(Locale.ROOT).equals(lower));
    }

    public boolean isSyncStandby(String name)
    {
        return syncStandbys.stream().anyMatch(s -> s.equalsIgnoreCase(name));
    }
}
