package io.herd.etcd;

import io.etcd.jetcd.Lease;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.NoSuchLeaseException;
import io.herd.core.dcs.DcsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

import static java.util.Objects.requireNonNull;

/**
 * This agent's one lease. Granted on first need, re-granted when etcd no longer knows it or when the TTL
 * changes. There is no background keep-alive stream: the caller renews with one {@link #keepAlive} per cycle
 * and so knows exactly when the lease was last renewed.
 */
final class LeaseKeeper
{
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final Lease client;
    private final EtcdCalls calls;

    // guarded by this
    private long ttlSeconds;
    private long leaseId;

    LeaseKeeper(Lease client, EtcdCalls calls, Duration ttl)
    {
        this.client = requireNonNull(client, "client is null");
        this.calls = requireNonNull(calls, "calls is null");
        this.ttlSeconds = seconds(ttl);
    }

    /** The current lease, granted now if there is none. */
    synchronized long current(EtcdCalls.Deadline deadline)
    {
        if (leaseId == 0) {
            leaseId = calls.call(deadline, "grant lease", () -> client.grant(ttlSeconds)).getID();
            log.info("Granted etcd lease {} with TTL {}s", Long.toHexString(leaseId), ttlSeconds);
        }
        return leaseId;
    }

    /** One keep-alive of the current lease; grants a new one when the old one is gone. Returns the live lease. */
    synchronized long keepAlive(EtcdCalls.Deadline deadline)
    {
        if (leaseId == 0) {
            return current(deadline);
        }
        long id = leaseId;
        boolean alive;
        try {
            LeaseKeepAliveResponse response = calls.call(deadline, "lease keep-alive", () -> client.keepAliveOnce(id));
            alive = response.getTTL() > 0;
        }
        catch (DcsException e) {
            if (!(e.getCause() instanceof NoSuchLeaseException) && !EtcdCalls.isLeaseNotFound(e)) {
                throw e;
            }
            alive = false;
        }
        if (!alive) {
            log.warn("etcd lease {} expired; granting a new one", Long.toHexString(id));
            leaseId = 0;
            return current(deadline);
        }
        return id;
    }

    /** Forgets the lease after etcd said it does not know it; the next call grants a new one. */
    synchronized void invalidate(long id)
    {
        if (leaseId == id) {
            leaseId = 0;
        }
    }

    /** A different TTL takes effect with a new lease on the next renewal; the old lease simply expires. */
    synchronized void setTtl(Duration ttl)
    {
        long seconds = seconds(ttl);
        if (seconds != ttlSeconds) {
            ttlSeconds = seconds;
            leaseId = 0;
        }
    }

    private static long seconds(Duration ttl)
    {
        requireNonNull(ttl, "ttl is null");
        return Math.max(1, (ttl.toMillis() + 999) / 1000);
    }
}
