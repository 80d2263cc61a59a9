package io.herd.core.ha;

import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * What another member said about itself on {@code GET /patroni} during a leader race.
 *
 * @param reachable false when its REST API did not answer (such peers are ignored, as in Patroni)
 * @param primary it reports a running primary
 * @param walPosition max(received, replayed) for a replica, flush position for a primary
 */
public record PeerStatus(String name, boolean reachable, boolean primary, OptionalLong walPosition, int failoverPriority, boolean nofailover)
{
    public PeerStatus
    {
        requireNonNull(name, "name is null");
        requireNonNull(walPosition, "walPosition is null");
    }

    public static PeerStatus unreachable(String name)
    {
        return new PeerStatus(name, false, false, OptionalLong.empty(), 0, true);
    }
}
