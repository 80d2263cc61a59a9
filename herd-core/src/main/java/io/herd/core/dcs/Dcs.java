package io.herd.core.dcs;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.core.cluster.ClusterStatus;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.FailoverRequest;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.SyncState;
import io.herd.core.cluster.TimelineHistory;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The distributed configuration store as one member of one cluster sees it: keys under
 * {@code <namespace>/<scope>/} in Patroni's layout. Every operation is bounded by the retry timeout given at
 * construction and throws {@link DcsException} when the store cannot be reached within it; a {@code false}
 * result means the store answered and the condition did not hold.
 *
 * <h2>Time-critical reads</h2>
 * {@link #clusterView()} answers from a watch-fed cache once it is in sync, so it costs no round trip in the
 * HA loop; {@link #readFresh()} always asks the store (linearizable), for operators and the REST API.
 *
 * <h2>Leader lock: atomic compare-and-swap, never read-then-write</h2>
 * The {@code leader} key holds this member's name and is bound to this member's lease of {@code ttl} seconds,
 * so it disappears on its own when the holder stops renewing.
 *
 * <h2>Tolerant setters</h2>
 * Member, status, history, config, failover and sync writes; those taking an expected revision are
 * compare-and-swap on the key's mod revision ({@code 0} meaning "must not exist").
 */
public interface Dcs
        extends AutoCloseable
{
    /** The snapshot from the watch cache (or a fresh read while the cache is not in sync). */
    ClusterView clusterView();

    /** A fresh linearizable read of the whole cluster. */
    ClusterView readFresh();

    /** Creates {@code leader} with our name and lease if no one holds it. */
    boolean acquireLeader();

    /**
     * Keeps our lease alive and makes sure {@code leader} still holds our name on our current lease.
     *
     * @return false when another member holds the key (we must demote)
     */
    boolean renewLeader();

    /** Writes {@code leader} unconditionally with our lease: only right after this member bootstrapped the cluster. */
    void takeLeader();

    /** Deletes {@code leader} if it holds our name. */
    boolean releaseLeader();

    /** The bootstrap race: creates {@code initialize} with an empty value if it does not exist. */
    boolean attemptInitialize();

    /** Stores the system identifier in {@code initialize} once the cluster exists. */
    void setInitialize(String systemIdentifier);

    /** Deletes {@code initialize} after a failed bootstrap so another member can try. */
    void cancelInitialize();

    /** Publishes this member under {@code members/<name>}, bound to our lease. */
    void touchMember(Member member);

    /** Removes this member's key (clean shutdown). */
    void deleteMember();

    boolean writeConfig(ObjectNode config, OptionalLong expectedRevision);

    void writeStatus(ClusterStatus status);

    void writeHistory(TimelineHistory history);

    boolean writeFailover(FailoverRequest request, OptionalLong expectedRevision);

    boolean writeSync(SyncState state, OptionalLong expectedRevision);

    boolean deleteSync(OptionalLong expectedRevision);

    /** Deletes every key of the cluster ({@code patronictl remove}). */
    void deleteCluster();

    /** Changes the lease TTL; a new lease is granted on the next renewal when it differs. */
    void setTtl(Duration ttl);

    /**
     * Calls {@code listener} after each change seen by the watch, on a store thread: keep it short.
     *
     * @return closing it removes the listener
     */
    AutoCloseable addListener(Consumer<DcsChange> listener);

    @Override
    void close();
}
