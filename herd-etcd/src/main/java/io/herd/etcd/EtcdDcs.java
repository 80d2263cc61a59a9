package io.herd.etcd;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.PutOption;
import io.herd.core.cluster.ClusterStatus;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.FailoverRequest;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.PatroniCodec;
import io.herd.core.cluster.SyncState;
import io.herd.core.cluster.TimelineHistory;
import io.herd.core.config.EtcdConfig;
import io.herd.core.dcs.Dcs;
import io.herd.core.dcs.DcsChange;
import io.herd.core.dcs.DcsException;
import io.herd.core.dcs.DcsKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

/**
 * {@link Dcs} on etcd v3 with Patroni's key layout: {@code leader} and {@code members/<name>} bound to this
 * agent's lease, the leader lock changed only by single transactions, reads served from a {@link WatchCache}.
 */
public final class EtcdDcs
        implements Dcs
{
    private static final Logger log = LoggerFactory.getLogger(EtcdDcs.class);

    private final Client client;
    private final KV kv;
    private final DcsKeys keys;
    private final String memberName;
    private final ByteSequence name;
    private final EtcdCalls calls;
    private final LeaseKeeper lease;
    private final WatchCache cache;
    private final ClusterViewParser parser;
    private volatile ViewMemo memo;

    /** Connects to the etcd of {@code etcd} with its own client, closed by {@link #close()}. */
    public EtcdDcs(EtcdConfig etcd, DcsKeys keys, String memberName, Duration ttl, Duration retryTimeout)
    {
        this(EtcdClientFactory.create(etcd, retryTimeout), describe(etcd.endpoints()), keys, memberName, ttl, retryTimeout);
    }

    /**
     * Uses {@code client}, which this object then owns and closes.
     *
     * @param endpoints how to name etcd in error messages (no credentials)
     */
    public EtcdDcs(Client client, String endpoints, DcsKeys keys, String memberName, Duration ttl, Duration retryTimeout)
    {
        this.client = requireNonNull(client, "client is null");
        this.keys = requireNonNull(keys, "keys is null");
        this.memberName = requireNonNull(memberName, "memberName is null");
        if (memberName.isBlank()) {
            throw new IllegalArgumentException("memberName is blank");
        }
        requireNonNull(ttl, "ttl is null");
        requireNonNull(retryTimeout, "retryTimeout is null");
        this.kv = client.getKVClient();
        this.name = bytes(memberName);
        this.calls = new EtcdCalls(requireNonNull(endpoints, "endpoints is null"), retryTimeout);
        this.lease = new LeaseKeeper(client.getLeaseClient(), calls, ttl);
        this.cache = new WatchCache(kv, client.getWatchClient(), keys, calls);
        this.parser = new ClusterViewParser(keys.base());
        cache.start();
    }

    @Override
    public ClusterView clusterView()
    {
        Optional<Snapshot> cached = cache.snapshot();
        return view(cached.isPresent() ? cached.get() : cache.readFresh(calls.deadline()));
    }

    @Override
    public ClusterView readFresh()
    {
        return view(cache.readFresh(calls.deadline()));
    }

    /** Whether {@link #clusterView()} currently answers from the watch cache (visible for tests). */
    boolean cacheInSync()
    {
        return cache.snapshot().isPresent();
    }

    private ClusterView view(Snapshot snapshot)
    {
        ViewMemo last = memo;
        if (last != null && last.snapshot() == snapshot) {
            return last.view();
        }
        ClusterView view = parser.parse(snapshot);
        memo = new ViewMemo(snapshot, view);
        return view;
    }

    @Override
    public boolean acquireLeader()
    {
        EtcdCalls.Deadline deadline = calls.deadline();
        ByteSequence key = bytes(keys.leader());
        return withLease(deadline, leaseId -> txn(deadline, "acquire " + keys.leader(),
                new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))},
                Op.put(key, name, withLease(leaseId))));
    }

    @Override
    public boolean renewLeader()
    {
        EtcdCalls.Deadline deadline = calls.deadline();
        long leaseId = lease.keepAlive(deadline);
        ByteSequence key = bytes(keys.leader());
        List<KeyValue> current = calls.call(deadline, "read " + keys.leader(), () -> kv.get(key)).getKvs();
        if (current.isEmpty()) {
            // the key expired, but our lease is alive again: take it back if still free
            return txn(deadline, "recreate " + keys.leader(),
                    new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))},
                    Op.put(key, name, withLease(leaseId)));
        }
        KeyValue leader = current.get(0);
        if (!leader.getValue().equals(name)) {
            return false;
        }
        if (leader.getLease() == leaseId) {
            return true;
        }
        // we hold the key on a lease that is gone (re-granted): move it to the new one if it is still ours
        return txn(deadline, "move " + keys.leader() + " to lease " + Long.toHexString(leaseId),
                new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(name))},
                Op.put(key, name, withLease(leaseId)))
                || txn(deadline, "recreate " + keys.leader(),
                new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))},
                Op.put(key, name, withLease(leaseId)));
    }

    @Override
    public void takeLeader()
    {
        EtcdCalls.Deadline deadline = calls.deadline();
        withLease(deadline, leaseId -> {
            calls.call(deadline, "take " + keys.leader(), () -> kv.put(bytes(keys.leader()), name, withLease(leaseId)));
            return true;
        });
    }

    @Override
    public boolean releaseLeader()
    {
        ByteSequence key = bytes(keys.leader());
        return txn(calls.deadline(), "release " + keys.leader(),
                new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.value(name))},
                Op.delete(key, DeleteOption.DEFAULT));
    }

    @Override
    public boolean attemptInitialize()
    {
        ByteSequence key = bytes(keys.initialize());
        return txn(calls.deadline(), "create " + keys.initialize(),
                new Cmp[] {new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))},
                Op.put(key, bytes(""), PutOption.DEFAULT));
    }

    @Override
    public void setInitialize(String systemIdentifier)
    {
        put(keys.initialize(), requireNonNull(systemIdentifier, "systemIdentifier is null"));
    }

    @Override
    public void cancelInitialize()
    {
        delete(keys.initialize());
    }

    @Override
    public void touchMember(Member member)
    {
        requireNonNull(member, "member is null");
        String key = keys.member(memberName);
        String value = PatroniCodec.formatMember(member);
        EtcdCalls.Deadline deadline = calls.deadline();
        long leaseId = lease.keepAlive(deadline);
        Optional<EtcdValue> cached = cache.snapshot().flatMap(s -> s.get(keys.relative(key)));
        if (cached.isPresent() && cached.get().value().equals(value) && cached.get().lease() == leaseId) {
            return;
        }
        withLease(deadline, id -> {
            calls.call(deadline, "write " + key, () -> kv.put(bytes(key), bytes(value), withLease(id)));
            return true;
        });
    }

    @Override
    public void deleteMember()
    {
        delete(keys.member(memberName));
    }

    @Override
    public boolean writeConfig(ObjectNode config, OptionalLong expectedRevision)
    {
        return compareAndPut(keys.config(), PatroniCodec.write(requireNonNull(config, "config is null")), expectedRevision);
    }

    @Override
    public void writeStatus(ClusterStatus status)
    {
        put(keys.status(), PatroniCodec.formatStatus(requireNonNull(status, "status is null")));
    }

    @Override
    public void writeHistory(TimelineHistory history)
    {
        put(keys.history(), PatroniCodec.formatHistory(requireNonNull(history, "history is null")));
    }

    @Override
    public boolean writeFailover(FailoverRequest request, OptionalLong expectedRevision)
    {
        return compareAndPut(keys.failover(), PatroniCodec.formatFailover(requireNonNull(request, "request is null")), expectedRevision);
    }

    @Override
    public boolean writeSync(SyncState state, OptionalLong expectedRevision)
    {
        return compareAndPut(keys.sync(), PatroniCodec.formatSync(requireNonNull(state, "state is null")), expectedRevision);
    }

    @Override
    public boolean deleteSync(OptionalLong expectedRevision)
    {
        requireNonNull(expectedRevision, "expectedRevision is null");
        if (expectedRevision.isEmpty()) {
            delete(keys.sync());
            return true;
        }
        ByteSequence key = bytes(keys.sync());
        return txn(calls.deadline(), "delete " + keys.sync(), new Cmp[] {revisionIs(key, expectedRevision.getAsLong())},
                Op.delete(key, DeleteOption.DEFAULT));
    }

    @Override
    public void deleteCluster()
    {
        ByteSequence prefix = bytes(keys.base());
        calls.call(calls.deadline(), "delete " + keys.base(),
                () -> kv.delete(prefix, DeleteOption.builder().isPrefix(true).build()));
    }

    @Override
    public void setTtl(Duration ttl)
    {
        lease.setTtl(ttl);
    }

    @Override
    public AutoCloseable addListener(Consumer<DcsChange> listener)
    {
        return cache.addListener(listener);
    }

    @Override
    public void close()
    {
        try {
            cache.close();
        }
        finally {
            client.close();
        }
    }

    private boolean compareAndPut(String key, String value, OptionalLong expectedRevision)
    {
        requireNonNull(expectedRevision, "expectedRevision is null");
        if (expectedRevision.isEmpty()) {
            put(key, value);
            return true;
        }
        ByteSequence bytesKey = bytes(key);
        return txn(calls.deadline(), "write " + key, new Cmp[] {revisionIs(bytesKey, expectedRevision.getAsLong())},
                Op.put(bytesKey, bytes(value), PutOption.DEFAULT));
    }

    /** Revision 0 means the key must not exist. */
    private static Cmp revisionIs(ByteSequence key, long revision)
    {
        return revision == 0
                ? new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0))
                : new Cmp(key, Cmp.Op.EQUAL, CmpTarget.modRevision(revision));
    }

    private void put(String key, String value)
    {
        calls.call(calls.deadline(), "write " + key, () -> kv.put(bytes(key), bytes(value)));
    }

    private void delete(String key)
    {
        calls.call(calls.deadline(), "delete " + key, () -> kv.delete(bytes(key)));
    }

    private boolean txn(EtcdCalls.Deadline deadline, String what, Cmp[] compare, Op then)
    {
        return calls.call(deadline, what, () -> kv.txn().If(compare).Then(then).commit()).isSucceeded();
    }

    /** Runs {@code write} with our lease; when etcd no longer knows the lease, grants a new one and tries once more. */
    private boolean withLease(EtcdCalls.Deadline deadline, LeaseWrite write)
    {
        long leaseId = lease.current(deadline);
        try {
            return write.run(leaseId);
        }
        catch (DcsException e) {
            if (!EtcdCalls.isLeaseNotFound(e)) {
                throw e;
            }
            log.warn("etcd lease {} is gone; granting a new one", Long.toHexString(leaseId));
            lease.invalidate(leaseId);
            return write.run(lease.current(deadline));
        }
    }

    private static PutOption withLease(long leaseId)
    {
        return PutOption.builder().withLeaseId(leaseId).build();
    }

    private static ByteSequence bytes(String value)
    {
        return ByteSequence.from(value, UTF_8);
    }

    private static String describe(List<URI> endpoints)
    {
        return endpoints.stream().map(URI::toString).collect(Collectors.joining(","));
    }

    @Override
    public String toString()
    {
        return "EtcdDcs{" + calls.endpoints() + keys.base() + ", member=" + memberName + "}";
    }

    private interface LeaseWrite
    {
        boolean run(long leaseId);
    }

    private record ViewMemo(Snapshot snapshot, ClusterView view) {}
}
