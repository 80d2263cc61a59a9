package io.herd.core.cluster;

import java.time.OffsetDateTime;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code failover} key: a switchover ({@code leader} set) or failover request.
 * The candidate is stored under Patroni's field name {@code member}.
 */
public record FailoverRequest(Optional<String> leader, Optional<String> candidate, Optional<OffsetDateTime> scheduledAt, long modRevision)
{
    public FailoverRequest
    {
        requireNonNull(leader, "leader is null");
        requireNonNull(candidate, "candidate is null");
        requireNonNull(scheduledAt, "scheduledAt is null");
    }

    public boolean isEmpty()
    {
        return leader.isEmpty() && candidate.isEmpty();
    }
}
