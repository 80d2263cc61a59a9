package io.herd.proxy.health;

import static java.util.Objects.requireNonNull;

/**
 * Hysteresis over probe results: a backend becomes {@code up} after {@code rise} consecutive passes and
 * {@code down} after {@code fall} consecutive failures, so a single lost probe neither adds nor drops it.
 *
 * @param last the latest result, what the etcd-led routing uses to confirm a leader without waiting for rise
 */
public record CheckState(boolean up, int passes, int failures, ProbeResult last, long probes)
{
    public static final CheckState UNKNOWN = new CheckState(false, 0, 0, ProbeResult.ERROR, 0);

    public CheckState
    {
        requireNonNull(last, "last is null");
    }

    public CheckState record(ProbeResult result, int rise, int fall)
    {
        if (result.passed()) {
            int newPasses = passes + 1;
            return new CheckState(up || newPasses >= rise, newPasses, 0, result, probes + 1);
        }
        int newFailures = failures + 1;
        return new CheckState(up && newFailures < fall, 0, newFailures, result, probes + 1);
    }

    public boolean lastPassed()
    {
        return probes > 0 && last.passed();
    }

    /** Whether this check backs a leader that etcd names: its latest probe passed, or it is up and has not yet failed {@code fall} times. */
    public boolean confirms(int fall)
    {
        return lastPassed() || (up && failures < fall);
    }
}
