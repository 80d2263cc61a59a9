package io.herd.core.ha;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import static java.util.Objects.requireNonNull;

/**
 * When a running replica that does not stream should be checked for having replayed past the point where the leader's
 * timeline forked off its own. PostgreSQL cannot leave that state by itself (it logs "new timeline N forked off current
 * database system timeline M before current recovery point" and waits forever); only a rewind helps. It happens to a
 * former primary started read-only before it knew the new leader (e.g. after the whole cluster restarted), which
 * replays its own diverged WAL first.
 *
 * <p>Checked only while the replica reports an older timeline than the leader: a replica already on the leader's
 * timeline cannot be past its fork. Not on the first loops without streaming (a walreceiver reconnecting after a
 * leader change is normal), and not more often than {@link #RECHECK_INTERVAL}, since each check connects to the leader.
 */
public final class StuckReplicaRule
{
    public static final Duration RECHECK_INTERVAL = Duration.ofSeconds(30);
    static final Duration MIN_GRACE = Duration.ofSeconds(5);

    private StuckReplicaRule() {}

    /**
     * @param notStreamingFor how long the replica has run without a streaming walreceiver while a leader was known
     * @param sinceLastCheck time since the previous check, empty if there was none
     */
    public static boolean shouldCheck(Duration notStreamingFor, OptionalInt localTimeline, OptionalInt leaderTimeline, Duration loopWait,
            Optional<Duration> sinceLastCheck)
    {
        requireNonNull(notStreamingFor, "notStreamingFor is null");
        requireNonNull(localTimeline, "localTimeline is null");
        requireNonNull(leaderTimeline, "leaderTimeline is null");
        requireNonNull(loopWait, "loopWait is null");
        requireNonNull(sinceLastCheck, "sinceLastCheck is null");
        if (localTimeline.isEmpty() || leaderTimeline.isEmpty() || localTimeline.getAsInt() >= leaderTimeline.getAsInt()) {
            return false;
        }
        Duration grace = loopWait.multipliedBy(2).compareTo(MIN_GRACE) > 0 ? loopWait.multipliedBy(2) : MIN_GRACE;
        if (notStreamingFor.compareTo(grace) < 0) {
            return false;
        }
        return sinceLastCheck.map(since -> since.compareTo(RECHECK_INTERVAL) >= 0).orElse(true);
    }
}
