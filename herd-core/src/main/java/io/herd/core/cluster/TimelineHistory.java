package io.herd.core.cluster;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** The {@code history} key: one entry per timeline switch, oldest first. */
public record TimelineHistory(List<Entry> entries)
{
    public static final TimelineHistory EMPTY = new TimelineHistory(List.of());

    public TimelineHistory
    {
        entries = List.copyOf(requireNonNull(entries, "entries is null"));
    }

    /** The timeline the cluster is on: one past the last switch, 1 when there was none. */
    public int currentTimeline()
    {
        return entries.isEmpty() ? 1 : entries.get(entries.size() - 1).timeline() + 1;
    }

    /**
     * @param timeline the timeline that ended
     * @param switchLsn where it ended
     */
    public record Entry(int timeline, long switchLsn, String reason, Optional<String> timestamp, Optional<String> newLeader)
    {
        public Entry
        {
            requireNonNull(reason, "reason is null");
            requireNonNull(timestamp, "timestamp is null");
            requireNonNull(newLeader, "newLeader is null");
        }
    }
}
