package io.herd.postgres;

import java.util.Optional;

/**
 * Decides whether a stopped data directory has WAL the source does not have, i.e. must be rewound before it can
 * stream from the source.
 *
 * <p>The source's timeline history file lists, for each ancestor timeline, the LSN where it ended. The local
 * directory can follow the source without a rewind iff its timeline is the source's, or an ancestor of it and
 * the local WAL ends at or before the point where the source switched away from that timeline.
 */
final class TimelineDivergence
{
    private TimelineDivergence() {}

    /**
     * @param localTimeline the timeline of the local WAL end
     * @param localWalEnd a position the local WAL extends past (exclusive end: the local WAL has a byte at {@code localWalEnd - 1})
     * @param sourceHistory content of the source's {@code <timeline>.history}, empty for timeline 1
     */
    static boolean diverged(int localTimeline, long localWalEnd, int sourceTimeline, Optional<String> sourceHistory)
    {
        if (localTimeline == sourceTimeline) {
            return false;
        }
        if (localTimeline > sourceTimeline) {
            return true;
        }
        Optional<Long> switchpoint = switchpoint(sourceHistory.orElse(""), localTimeline);
        return switchpoint.isEmpty() || Long.compareUnsigned(localWalEnd, switchpoint.get()) > 0;
    }

    /** Where {@code timeline} ended according to a history file ({@code <parent tli>\t<X/Y>\t<reason>} lines). */
    static Optional<Long> switchpoint(String history, int timeline)
    {
        for (String line : history.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 2 && !fields[0].startsWith("#")) {
                try {
                    if (Integer.parseInt(fields[0]) == timeline) {
                        return Optional.of(Lsn.parse(fields[1]));
                    }
                }
                catch (IllegalArgumentException e) {
                    // not a history line
                }
            }
        }
        return Optional.empty();
    }
}
