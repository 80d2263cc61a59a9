package io.herd.agent.ha;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herd.agent.NodeStatus;
import io.herd.agent.backup.BackupPlan;
import io.herd.agent.backup.ClusterBackups;
import io.herd.core.cluster.ClusterStatus;
import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.FailoverRequest;
import io.herd.core.cluster.HostPort;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.TimelineHistory;
import io.herd.core.config.DynamicConfig;
import io.herd.core.config.HerdConfig;
import io.herd.core.dcs.Dcs;
import io.herd.core.dcs.DcsChange;
import io.herd.core.dcs.DcsException;
import io.herd.core.ha.HaAction;
import io.herd.core.ha.HaDecider;
import io.herd.core.ha.HaSettings;
import io.herd.core.ha.LocalState;
import io.herd.core.ha.StuckReplicaRule;
import io.herd.core.ha.PeerStatus;
import io.herd.postgres.ConfigurationChange;
import io.herd.postgres.ControlData;
import io.herd.postgres.Credentials;
import io.herd.postgres.DataDirectoryState;
import io.herd.postgres.Fencer;
import io.herd.postgres.PostgresServer;
import io.herd.postgres.PostgresStatus;
import io.herd.postgres.ReplicationSource;
import io.herd.postgres.ServerRole;
import io.herd.postgres.StopMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

import static java.util.Objects.requireNonNull;

/**
 * One agent's HA loop: each cycle reads the cluster from the store and the local PostgreSQL, asks
 * {@link HaDecider} what to do, carries the action out, and publishes this member. It runs every {@code loop_wait},
 * and at once when the leader or config key changes or the postmaster exits.
 */
public final class HaLoop
        implements Runnable, AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(HaLoop.class);
    private static final String VERSION = "4.1.4";
    private static final Duration MEMBER_SLOTS_TTL = Duration.ofMinutes(30);

    private final HerdConfig config;
    private final Dcs dcs;
    private final PostgresServer postgres;
    private final java.util.function.Supplier<Fencer> fencerFactory;
    private Fencer fencer;
    private final PeerClient peers;
    private final LongSupplier nanoTime;
    private final TaskRunner tasks;
    private final List<ReplicaMethods.Step> replicaMethods;
    private final Optional<ClusterBackups> backups;
    private final Object wakeLock = new Object();
    // held for a whole cycle: close() takes it before stopping PostgreSQL, so a cycle already under way cannot start
    // PostgreSQL again behind the shutdown (seen: a replica restarted while its agent stopped, left running)
    private final ReentrantLock cycleLock = new ReentrantLock();
    private final AutoCloseable dcsListener;
    /** Members the leader keeps a replication slot for, with when it last saw them (Patroni's member_slots_ttl). */
    private final Map<String, Long> slotMembers = new java.util.concurrent.ConcurrentHashMap<>();

    private volatile boolean stopped;
    private boolean wakeRequested;
    private volatile NodeStatus status;
    private volatile DynamicConfig dynamic;
    private volatile long leaderUntilNanos;
    private volatile boolean expectRunning;
    private volatile long crashedSinceNanos;
    // a running replica without a streaming walreceiver while a leader is known: since when, and when last checked
    private long notStreamingSinceNanos;
    private long divergenceCheckedNanos;
    private volatile Optional<String> fatal = Optional.empty();
    private String lastLogged = "";
    private long dcsLastSeen;

    /**
     * @param fencerFactory starts a fencing watchdog; called again when the previous one has fired (a fencer is
     * single-use: once it stopped PostgreSQL it exits)
     */
    public HaLoop(HerdConfig config, Dcs dcs, PostgresServer postgres, java.util.function.Supplier<Fencer> fencerFactory, PeerClient peers,
            Optional<ClusterBackups> backups, LongSupplier nanoTime)
    {
        this.config = requireNonNull(config, "config is null");
        this.dcs = requireNonNull(dcs, "dcs is null");
        this.postgres = requireNonNull(postgres, "postgres is null");
        this.fencerFactory = requireNonNull(fencerFactory, "fencerFactory is null");
        this.fencer = fencerFactory.get();
        this.peers = requireNonNull(peers, "peers is null");
        this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
        this.dynamic = DynamicConfig.parse(config.bootstrap().dcs());
        this.status = NodeStatus.starting(config.tags(), nanoTime.getAsLong());
        this.tasks = new TaskRunner(this::wake);
        this.backups = requireNonNull(backups, "backups is null");
        this.replicaMethods = ReplicaMethods.from(config.postgresql());
        this.dcsListener = dcs.addListener(this::onStoreChange);
        // a postmaster left running by an earlier agent is ours to watch from now on
        if (postgres.isRunning()) {
            expectRunning = true;
            postgres.onExit().thenRun(this::onPostmasterExit);
        }
    }

    public NodeStatus status()
    {
        return status;
    }

    public Optional<String> fatalError()
    {
        return fatal;
    }

    public DynamicConfig dynamicConfig()
    {
        return dynamic;
    }

    @Override
    public void run()
    {
        while (!stopped) {
            long start = nanoTime.getAsLong();
            cycleLock.lock();
            try {
                if (stopped) {
                    return;
                }
                cycle();
            }
            catch (FatalException e) {
                log.error("stopping the agent: {}", e.getMessage());
                fatal = Optional.of(e.getMessage());
                return;
            }
            catch (Throwable e) {
                log.error("HA cycle failed: {}", e.getMessage(), e);
            }
            finally {
                cycleLock.unlock();
            }
            long next = start + dynamic.loopWait().toNanos();
            status = status.withNextRun(next);
            sleepUntil(next);
        }
    }

    public void wake()
    {
        synchronized (wakeLock) {
            wakeRequested = true;
            wakeLock.notifyAll();
        }
    }

    private void onStoreChange(DcsChange change)
    {
        if (change.touches("leader") || change.touches("config") || change.touches("failover")) {
            wake();
            return;
        }
        // a member the leader has no slot for yet: create it now, not a loop later, so its streaming can start
        if (isLeaderNow() && change.keys().stream().anyMatch(key -> key.startsWith("members/") && !slotMembers.containsKey(key.substring("members/".length())))) {
            wake();
        }
    }

    private void onPostmasterExit()
    {
        if (expectRunning && !stopped) {
            log.warn("PostgreSQL exited unexpectedly");
            crashedSinceNanos = nanoTime.getAsLong();
            wake();
        }
    }

    private void sleepUntil(long deadline)
    {
        synchronized (wakeLock) {
            while (!wakeRequested && !stopped) {
                long remaining = deadline - nanoTime.getAsLong();
                if (remaining <= 0) {
                    break;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(wakeLock, remaining);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            wakeRequested = false;
        }
    }

    // ---- one cycle ----

    void cycle()
    {
        Optional<ClusterView> view;
        try {
            view = Optional.of(dcs.clusterView());
            dcsLastSeen = System.currentTimeMillis() / 1000;
        }
        catch (DcsException e) {
            logOnce("store unreachable: " + e.getMessage());
            view = Optional.empty();
        }
        view.flatMap(ClusterView::config).ifPresent(this::applyDynamicConfig);

        Local local = readLocal();
        HaSettings settings = settings();
        HaAction action;
        if (local.invalid().isPresent()) {
            action = new HaAction.Fail("data directory " + config.postgresql().dataDir() + " is unusable: " + local.invalid().get());
        }
        else if (view.isEmpty()) {
            action = HaDecider.decideWithoutStore(local.state());
        }
        else {
            Map<String, PeerStatus> peerStatus = needsPeers(view.get(), local) ? fetchPeers(view.get()) : Map.of();
            action = HaDecider.decide(view.get(), local.state(), settings, peerStatus);
        }
        logOnce(action.getClass().getSimpleName() + ": " + action.reason());
        execute(action, view, local);

        Local after = readLocal();
        publish(view, after);
        boolean runningPrimaryLeader = isLeaderNow() && after.state().isRunningPrimary();
        backups.ifPresent(b -> b.onCycle(runningPrimaryLeader));
    }

    private boolean needsPeers(ClusterView view, Local local)
    {
        return view.leader().isEmpty()
                || view.pendingFailover().isPresent()
                || (view.isLeader(config.name()) && !local.state().isRunning());
    }

    private Map<String, PeerStatus> fetchPeers(ClusterView view)
    {
        List<Member> others = view.members().values().stream().filter(m -> !m.name().equals(config.name())).toList();
        return others.isEmpty() ? Map.of() : peers.fetch(others);
    }

    private void applyDynamicConfig(ObjectNode node)
    {
        DynamicConfig parsed = DynamicConfig.parse(node);
        DynamicConfig previous = dynamic;
        if (!parsed.equals(previous)) {
            parsed.warnings().forEach(w -> log.warn("config key: {}", w));
            if (!parsed.ttl().equals(previous.ttl())) {
                dcs.setTtl(parsed.ttl());
            }
            dynamic = parsed;
        }
    }

    private HaSettings settings()
    {
        DynamicConfig d = dynamic;
        return new HaSettings(config.name(), d.ttl(), d.loopWait(), d.retryTimeout(), d.maximumLagOnFailover(), d.primaryStartTimeout(),
                io.herd.core.cluster.Tags.nofailover(config.tags()), io.herd.core.cluster.Tags.failoverPriority(config.tags()), true,
                replicaMethods.stream().anyMatch(step -> step.noLeader() && (step instanceof ReplicaMethods.External || backups.map(ClusterBackups::restoreEnabled).orElse(false))));
    }

    // ---- local state ----

    private record Local(LocalState state, Optional<PostgresStatus> postgres, Optional<ControlData> control, Optional<String> invalid) {}

    private Local readLocal()
    {
        DataDirectoryState data = postgres.dataDirectoryState();
        boolean busy = tasks.running().isPresent();
        if (data.kind() == DataDirectoryState.Kind.INVALID) {
            return new Local(emptyState(busy), Optional.empty(), Optional.empty(), busy ? Optional.empty() : Optional.of(data.reason()));
        }
        if (!data.isInitialized()) {
            return new Local(emptyState(busy), Optional.empty(), Optional.empty(), Optional.empty());
        }
        if (postgres.isRunning()) {
            try {
                PostgresStatus pg = postgres.status();
                crashedSinceNanos = 0;
                LocalState state = new LocalState(LocalState.DataDirectory.INITIALIZED, LocalState.Running.RUNNING,
                        pg.inRecovery() ? LocalState.Role.REPLICA : LocalState.Role.PRIMARY, OptionalLong.of(pg.walPosition()),
                        OptionalInt.of(pg.timeline()), Optional.of(Long.toString(pg.systemIdentifier())), busy, Optional.empty());
                return new Local(state, Optional.of(pg), Optional.empty(), Optional.empty());
            }
            catch (RuntimeException e) {
                ControlData control = postgres.controlData();
                LocalState state = new LocalState(LocalState.DataDirectory.INITIALIZED, LocalState.Running.STARTING,
                        control.wasPrimary() ? LocalState.Role.PRIMARY : LocalState.Role.REPLICA, OptionalLong.empty(), OptionalInt.of(control.timeline()),
                        Optional.of(Long.toString(control.systemIdentifier())), busy, Optional.empty());
                return new Local(state, Optional.empty(), Optional.of(control), Optional.empty());
            }
        }
        ControlData control = postgres.controlData();
        boolean crashed = expectRunning;
        if (crashed && crashedSinceNanos == 0) {
            crashedSinceNanos = nanoTime.getAsLong();
        }
        Optional<Duration> crashedFor = crashed ? Optional.of(Duration.ofNanos(nanoTime.getAsLong() - crashedSinceNanos)) : Optional.empty();
        LocalState state = new LocalState(LocalState.DataDirectory.INITIALIZED, crashed ? LocalState.Running.CRASHED : LocalState.Running.STOPPED,
                control.wasPrimary() ? LocalState.Role.PRIMARY : LocalState.Role.REPLICA, OptionalLong.of(control.checkpointLsn()),
                OptionalInt.of(control.timeline()), Optional.of(Long.toString(control.systemIdentifier())), busy, crashedFor);
        return new Local(state, Optional.empty(), Optional.of(control), Optional.empty());
    }

    private LocalState emptyState(boolean busy)
    {
        return new LocalState(LocalState.DataDirectory.EMPTY, LocalState.Running.STOPPED, LocalState.Role.UNKNOWN, OptionalLong.empty(),
                OptionalInt.empty(), Optional.empty(), busy, Optional.empty());
    }

    private boolean isLeaderNow()
    {
        long until = leaderUntilNanos;
        return until != 0 && until - nanoTime.getAsLong() > 0;
    }

    // ---- executors ----

    private void execute(HaAction action, Optional<ClusterView> view, Local local)
    {
        if (action instanceof HaAction.Fail fail) {
            throw new FatalException(fail.reason());
        }
        else if (action instanceof HaAction.BootstrapCluster) {
            bootstrap();
        }
        else if (action instanceof HaAction.CloneReplica clone) {
            tasks.submit("creating replica from " + clone.source().map(Member::name).orElse("backups"), () -> createReplica(clone.source()));
        }
        else if (action instanceof HaAction.AdoptCluster adopt) {
            if (dcs.attemptInitialize()) {
                dcs.setInitialize(adopt.systemIdentifier());
                log.info("published system identifier {} for existing data", adopt.systemIdentifier());
            }
        }
        else if (action instanceof HaAction.LeadCluster lead) {
            lead(lead, view.orElseThrow(), local);
        }
        else if (action instanceof HaAction.AcquireLeadership) {
            acquire(view.orElseThrow(), local);
        }
        else if (action instanceof HaAction.Follow follow) {
            follow(follow.leader(), local);
        }
        else if (action instanceof HaAction.Demote demote) {
            demote(demote.reason());
            follow(demote.leader(), readLocal());
        }
        else if (action instanceof HaAction.ReleaseLeadership release) {
            release(release);
        }
    }

    private void bootstrap()
    {
        if (!dcs.attemptInitialize()) {
            log.info("another member is bootstrapping the cluster");
            return;
        }
        log.info("bootstrapping a new cluster '{}' in {}", config.scope(), config.postgresql().dataDir());
        try {
            Optional<BackupPlan.CloneSource> clone = backups.flatMap(ClusterBackups::cloneSource);
            if (clone.isPresent()) {
                bootstrapFromBackup(clone.get());
            }
            else {
                postgres.initdb();
                postgres.writeConfiguration(ServerRole.PRIMARY, Optional.empty());
                startPostgres();
            }
            postgres.createRoles();
            if (clone.isPresent()) {
                // passwords are ours now: drop the temporary trust rule
                postgres.writeConfiguration(ServerRole.PRIMARY, Optional.empty());
                postgres.reload();
            }
            String systemId = Long.toString(postgres.controlData().systemIdentifier());
            ObjectNode dynamicJson = effectiveDynamicConfig();
            dcs.writeConfig(dynamicJson, OptionalLong.of(0));
            long start = nanoTime.getAsLong();
            dcs.takeLeader();
            holdLeadershipFrom(start);
            dcs.setInitialize(systemId);
            log.info("cluster '{}' initialized with system identifier {}; this member is the leader", config.scope(), systemId);
        }
        catch (RuntimeException e) {
            log.error("bootstrap failed: {}", e.getMessage());
            try {
                postgres.stop(StopMode.IMMEDIATE);
            }
            catch (RuntimeException ignored) {
                // it may never have started
            }
            expectRunning = false;
            dcs.cancelInitialize();
            moveDataDirectoryAside("failed bootstrap");
            throw new FatalException("bootstrap failed: " + e.getMessage());
        }
    }

    /**
     * A new cluster from another cluster's archive (point-in-time recovery): restore the base backup, replay its WAL
     * up to the target, promote. The source's passwords are not ours, so the superuser may connect over loopback
     * without one until {@code createRoles} has set ours.
     */
    private void bootstrapFromBackup(BackupPlan.CloneSource clone)
    {
        Path dataDir = config.postgresql().dataDir().toAbsolutePath();
        Path socketDir = dataDir.getParent();
        try (AutoCloseable sourceArchive = ClusterBackups.restoreClone(clone, dataDir, socketDir, config.postgresql().port())) {
            postgres.writeConfiguration(ServerRole.PRIMARY, Optional.empty());
            ClusterBackups.markForRecovery(dataDir);
            trustLocalSuperuser(dataDir);
            startPostgres();
            long deadline = nanoTime.getAsLong() + TimeUnit.HOURS.toNanos(6);
            while (postgres.status().inRecovery()) {
                if (nanoTime.getAsLong() - deadline > 0) {
                    throw new IllegalStateException("recovery from the archive did not finish within 6 hours");
                }
                Thread.sleep(500);
            }
            ClusterBackups.clearRecoverySettings(dataDir);
            log.info("point-in-time recovery finished; the restored cluster is promoted");
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during recovery", e);
        }
        catch (Exception e) {
            throw new IllegalStateException("bootstrap from backups failed: " + e.getMessage(), e);
        }
    }

    private void trustLocalSuperuser(Path dataDir) throws IOException
    {
        Path hba = dataDir.resolve("pg_hba.conf");
        String user = config.postgresql().superuser().username();
        String rule = "host all \"" + user.replace("\"", "\"\"") + "\" 127.0.0.1/32 trust\n";
        Files.writeString(hba, rule + Files.readString(hba));
    }

    /** bootstrap.dcs with Herd's effective timing filled in, so {@code show-config} tells what is in force. */
    private ObjectNode effectiveDynamicConfig()
    {
        ObjectNode json = config.bootstrap().dcs().deepCopy();
        DynamicConfig d = DynamicConfig.parse(json);
        if (!json.has("ttl")) {
            json.put("ttl", d.ttl().toMillis() / 1000.0);
        }
        if (!json.has("loop_wait")) {
            json.put("loop_wait", d.loopWait().toMillis() / 1000.0);
        }
        if (!json.has("retry_timeout")) {
            json.put("retry_timeout", d.retryTimeout().toMillis() / 1000.0);
        }
        if (!json.has("maximum_lag_on_failover")) {
            json.put("maximum_lag_on_failover", d.maximumLagOnFailover());
        }
        return json;
    }

    private void createReplica(Optional<Member> source)
    {
        Optional<ReplicationSource> replicationSource = source.flatMap(this::sourceFor);
        String from = source.map(Member::name).orElse("backups");
        setState("creating replica");
        for (ReplicaMethods.Step step : replicaMethods) {
            if (replicationSource.isEmpty() && !step.noLeader()) {
                continue;
            }
            boolean created;
            if (step instanceof ReplicaMethods.FromBackup) {
                created = backups.map(b -> b.restoreReplica(config.postgresql().dataDir().toAbsolutePath())).orElse(false);
            }
            else {
                try {
                    postgres.createReplica(List.of(((ReplicaMethods.External) step).method()), replicationSource);
                    created = true;
                }
                catch (RuntimeException e) {
                    log.warn("replica method {} failed: {}", step.name(), e.getMessage());
                    created = false;
                }
            }
            if (created) {
                try {
                    postgres.writeConfiguration(ServerRole.REPLICA, replicationSource);
                    startPostgres();
                    log.info("replica created with {} (source: {})", step.name(), from);
                }
                catch (RuntimeException e) {
                    log.error("the replica created with {} does not start: {}", step.name(), e.getMessage());
                }
                return;
            }
        }
        log.error("no replica method succeeded (source: {}); will try again", from);
    }

    private void lead(HaAction.LeadCluster lead, ClusterView view, Local local)
    {
        long start = nanoTime.getAsLong();
        boolean renewed;
        try {
            renewed = dcs.renewLeader();
        }
        catch (DcsException e) {
            log.warn("could not renew the leader key: {}", e.getMessage());
            renewed = false;
        }
        if (!renewed) {
            if (local.state().role() == LocalState.Role.PRIMARY && local.state().running() != LocalState.Running.STOPPED) {
                demote("lost the leader key");
                follow(Optional.empty(), readLocal());
            }
            else {
                leaderUntilNanos = 0;
                status = status.withLeaderUntil(0);
                fencer.disarm();
            }
            return;
        }
        holdLeadershipFrom(start);
        if (lead.start()) {
            // on a task, so the loop keeps renewing (and the fence stays armed) however long crash recovery takes
            tasks.submit(lead.promote() ? "starting PostgreSQL to promote it" : "restarting PostgreSQL as primary", () -> startAsLeader(lead.promote()));
            return;
        }
        if (lead.promote()) {
            promote(view, local);
            return;
        }
        if (local.state().isRunningPrimary()) {
            maintainPrimary(view, local);
        }
    }

    private void startAsLeader(boolean promote)
    {
        if (promote) {
            postgres.writeConfiguration(ServerRole.REPLICA, Optional.empty());
            startPostgres();
            promote(dcs.clusterView(), readLocal());
        }
        else {
            postgres.writeConfiguration(ServerRole.PRIMARY, Optional.empty());
            startPostgres();
            log.info("PostgreSQL restarted as primary");
        }
        if (!isLeaderNow()) {
            // the key went away while PostgreSQL started: never leave a primary running without it
            demote("lost the leader key while PostgreSQL started");
        }
    }

    private void holdLeadershipFrom(long renewStartNanos)
    {
        // others can take the key only after our lease runs out, ttl after the renewal was sent; stop taking writes a
        // margin earlier so the fence has fired before anyone else can be promoted
        long ttl = dynamic.ttl().toNanos();
        long margin = Math.min(TimeUnit.SECONDS.toNanos(1), ttl / 4);
        long until = renewStartNanos + ttl - margin;
        if (leaderUntilNanos == 0) {
            log.info("this member holds the leader key");
        }
        leaderUntilNanos = until;
        status = status.withLeaderUntil(until);
        long remaining = until - nanoTime.getAsLong();
        if (remaining > 0) {
            if (!fencer.isAlive()) {
                log.warn("the fencing watchdog had fired or died; starting a new one");
                fencer = fencerFactory.get();
            }
            fencer.arm(Duration.ofNanos(remaining));
        }
    }

    private void maintainPrimary(ClusterView view, Local local)
    {
        long position = local.state().walPosition().orElse(0);
        if (view.status().optime() != position) {
            dcs.writeStatus(new ClusterStatus(position, Map.of(), List.of()));
        }
        if (view.initialize().map(String::isEmpty).orElse(true)) {
            local.state().systemIdentifier().ifPresent(dcs::setInitialize);
        }
        if (view.config().isEmpty()) {
            dcs.writeConfig(effectiveDynamicConfig(), OptionalLong.of(0));
        }
        if (dynamic.useSlots()) {
            // keep a departed member's slot for a while: a replica restarting after a clean stop finds it in place
            long now = nanoTime.getAsLong();
            view.members().keySet().forEach(name -> slotMembers.put(name, now));
            slotMembers.entrySet().removeIf(e -> now - e.getValue() > MEMBER_SLOTS_TTL.toNanos());
            Set<String> wanted = slotMembers.keySet().stream()
                    .filter(name -> !name.equals(config.name()))
                    .map(PostgresServer::slotName)
                    .collect(Collectors.toSet());
            try {
                postgres.syncReplicationSlots(wanted);
            }
            catch (RuntimeException e) {
                log.warn("could not update replication slots: {}", e.getMessage());
            }
        }
    }

    private void acquire(ClusterView view, Local local)
    {
        long start = nanoTime.getAsLong();
        if (!dcs.acquireLeader()) {
            log.info("another member took the leader key first");
            return;
        }
        log.info("won the leader race");
        holdLeadershipFrom(start);
        view.pendingFailover().ifPresent(request -> dcs.writeFailover(new FailoverRequest(Optional.empty(), Optional.empty(), Optional.empty(), 0),
                OptionalLong.of(request.modRevision())));
        if (!local.state().isRunningPrimary()) {
            promote(view, local);
        }
    }

    private void promote(ClusterView view, Local local)
    {
        int oldTimeline = local.state().timeline().orElse(view.history().currentTimeline());
        long switchPoint = local.state().walPosition().orElse(0);
        log.info("promoting PostgreSQL to primary");
        postgres.promote();
        PostgresStatus now = postgres.status();
        dcs.writeStatus(new ClusterStatus(now.walPosition(), Map.of(), List.of()));
        List<TimelineHistory.Entry> entries = new ArrayList<>(view.history().entries());
        entries.removeIf(e -> e.timeline() >= oldTimeline);
        entries.add(new TimelineHistory.Entry(oldTimeline, switchPoint, "no recovery target specified",
                Optional.of(OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS).toString()), Optional.of(config.name())));
        dcs.writeHistory(new TimelineHistory(entries));
        log.info("promoted: this member is the primary on timeline {}", now.timeline());
        checkpointInBackground();
    }

    /**
     * The first checkpoint on the new timeline lets former primaries rewind (pg_rewind reads the timeline from
     * pg_control) and new replicas start from it; PostgreSQL would spread it over minutes. It runs beside the loop so
     * leadership renewal never waits for it.
     */
    private void checkpointInBackground()
    {
        Thread thread = new Thread(() -> {
            try {
                postgres.checkpoint();
                log.info("checkpoint on the new timeline done");
            }
            catch (RuntimeException e) {
                log.warn("checkpoint after promotion failed: {}", e.getMessage());
            }
        }, "checkpoint-after-promote");
        thread.setDaemon(true);
        thread.start();
    }

    private void follow(Optional<Member> leader, Local local)
    {
        Optional<ReplicationSource> source = leader.flatMap(this::sourceFor);
        if (local.state().dataDirectory() == LocalState.DataDirectory.EMPTY) {
            return;
        }
        if (local.state().running() == LocalState.Running.RUNNING) {
            if (local.state().role() == LocalState.Role.PRIMARY) {
                return; // only a demotion may turn a primary into a replica
            }
            var change = postgres.writeConfiguration(ServerRole.REPLICA, source);
            switch (change) {
                case NONE -> {
                }
                case RELOAD -> {
                    log.info("following {}", leader.map(Member::name).orElse("nobody"));
                    postgres.reload();
                }
                case RESTART -> {
                    log.info("restarting PostgreSQL to follow {}", leader.map(Member::name).orElse("nobody"));
                    expectRunning = false;
                    postgres.stop(StopMode.FAST);
                    startPostgres();
                }
            }
            if (change == ConfigurationChange.NONE) {
                checkReplayDivergence(leader, source, local);
            }
            return;
        }
        if (local.state().running() == LocalState.Running.STARTING) {
            return;
        }
        boolean formerPrimary = local.control().map(ControlData::wasPrimary).orElse(false) || !local.control().map(ControlData::isCleanShutdown).orElse(true);
        if (source.isPresent() && formerPrimary) {
            tasks.submit("rejoining as a replica of " + leader.get().name(), () -> rejoin(leader.get(), source.get()));
            return;
        }
        try {
            postgres.writeConfiguration(ServerRole.REPLICA, source);
            startPostgres();
            log.info("PostgreSQL started as a replica of {}", leader.map(Member::name).orElse("nobody (read-only until a leader appears)"));
        }
        catch (RuntimeException e) {
            log.error("could not start PostgreSQL as a replica: {}", e.getMessage());
        }
    }

    /** See {@link StuckReplicaRule}: a replica that replayed past the leader's fork is stopped and rewound. */
    private void checkReplayDivergence(Optional<Member> leader, Optional<ReplicationSource> source, Local local)
    {
        boolean streaming = local.postgres().flatMap(PostgresStatus::replicationState).filter(PostgresStatus.STREAMING::equals).isPresent();
        long now = nanoTime.getAsLong();
        if (streaming || leader.isEmpty() || source.isEmpty()) {
            notStreamingSinceNanos = 0;
            return;
        }
        if (notStreamingSinceNanos == 0) {
            notStreamingSinceNanos = now;
            return;
        }
        Optional<Duration> sinceLastCheck = divergenceCheckedNanos == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(now - divergenceCheckedNanos));
        if (!StuckReplicaRule.shouldCheck(Duration.ofNanos(now - notStreamingSinceNanos), local.state().timeline(), leader.get().timeline(),
                dynamic.loopWait(), sinceLastCheck)) {
            return;
        }
        divergenceCheckedNanos = now;
        Member to = leader.get();
        tasks.submit("checking the replay against " + to.name() + "'s timeline", () -> {
            if (postgres.replayDiverged(source.get().withCredentials(rewindCredentials()))) {
                log.warn("this replica replayed WAL past the point where {}'s timeline forked off: stopping PostgreSQL to rewind it", to.name());
                expectRunning = false;
                postgres.stop(StopMode.FAST);
                rejoin(to, source.get(), true);
            }
        });
    }

    /** A former primary joins the new leader: rewind when its history diverged, or clone afresh when that fails. */
    private void rejoin(Member leader, ReplicationSource source)
    {
        rejoin(leader, source, false);
    }

    /** knownDiverged: a running replica was found past the fork, whatever its stopped pg_control now shows. */
    private void rejoin(Member leader, ReplicationSource source, boolean knownDiverged)
    {
        ReplicationSource rewindSource = source.withCredentials(rewindCredentials());
        boolean diverged;
        try {
            diverged = knownDiverged || postgres.needsRewind(rewindSource);
        }
        catch (RuntimeException e) {
            log.warn("cannot compare timelines with {}: {}", leader.name(), e.getMessage());
            return;
        }
        if (diverged) {
            boolean rewound = false;
            if (dynamic.usePgRewind()) {
                rewound = postgres.rewind(rewindSource).succeeded();
            }
            if (!rewound) {
                log.warn("{}; keeping the old data aside and cloning afresh from {}", dynamic.usePgRewind() ? "pg_rewind failed" : "use_pg_rewind is off", leader.name());
                moveDataDirectoryAside("diverged from " + leader.name());
                createReplica(Optional.of(leader));
                return;
            }
        }
        postgres.writeConfiguration(ServerRole.REPLICA, Optional.of(source));
        startPostgres();
        log.info("rejoined as a replica of {}", leader.name());
    }

    private void demote(String reason)
    {
        log.warn("demoting: {}", reason);
        expectRunning = false;
        // health checks must see the demotion before PostgreSQL is even down
        leaderUntilNanos = 0;
        status = status.stopped();
        try {
            postgres.stop(StopMode.IMMEDIATE);
        }
        finally {
            leaderUntilNanos = 0;
            fencer.disarm();
        }
    }

    private void release(HaAction.ReleaseLeadership release)
    {
        leaderUntilNanos = 0;
        status = status.withLeaderUntil(0);
        if (release.stopFirst()) {
            expectRunning = false;
            postgres.stop(StopMode.FAST);
        }
        dcs.releaseLeader();
        leaderUntilNanos = 0;
        fencer.disarm();
        log.info("released the leader key: {}", release.reason());
    }

    private void startPostgres()
    {
        postgres.killOrphanedBackends();
        postgres.start();
        expectRunning = true;
        crashedSinceNanos = 0;
        postgres.onExit().thenRun(this::onPostmasterExit);
    }

    private Optional<ReplicationSource> sourceFor(Member member)
    {
        Optional<HostPort> address = member.postgresAddress();
        if (address.isEmpty()) {
            return Optional.empty();
        }
        io.herd.core.config.Credentials replication = config.postgresql().replication();
        Optional<String> slot = dynamic.useSlots() ? Optional.of(PostgresServer.slotName(config.name())) : Optional.empty();
        return Optional.of(new ReplicationSource(address.get().host(), address.get().port(), replication.username(), replication.password(), config.name(), slot));
    }

    private Credentials rewindCredentials()
    {
        io.herd.core.config.Credentials credentials = config.postgresql().rewind().orElse(config.postgresql().superuser());
        return new Credentials(credentials.username(), credentials.password());
    }

    private void moveDataDirectoryAside(String why)
    {
        Path dataDir = config.postgresql().dataDir().toAbsolutePath();
        if (!Files.exists(dataDir)) {
            return;
        }
        Path aside = dataDir.resolveSibling(dataDir.getFileName() + ".aside-" + System.currentTimeMillis());
        try {
            Files.move(dataDir, aside);
            log.warn("moved {} to {} ({})", dataDir, aside, why);
        }
        catch (IOException e) {
            log.error("could not move {} aside: {}", dataDir, e.getMessage());
        }
    }

    // ---- publishing ----

    private void setState(String state)
    {
        status = status.withoutPostgres(state).withLeaderUntil(leaderUntilNanos);
    }

    private void publish(Optional<ClusterView> view, Local local)
    {
        NodeStatus node = toNodeStatus(view, local);
        status = node;
        if (view.isEmpty()) {
            return;
        }
        Member member = new Member(config.name(), config.postgresql().connUrl(), config.restapi().apiUrl(), node.state(),
                node.role().orElse("uninitialized"), VERSION,
                node.role().isPresent() ? node.walPosition() : OptionalLong.empty(), node.timeline(), node.replicationState(),
                node.isReplica() ? node.receivedLocation() : OptionalLong.empty(), node.isReplica() ? node.replayedLocation() : OptionalLong.empty(),
                effectiveTags(), Map.of());
        try {
            dcs.touchMember(member);
        }
        catch (DcsException e) {
            logOnce("could not publish member: " + e.getMessage());
        }
    }

    private Map<String, Object> effectiveTags()
    {
        Map<String, Object> tags = new LinkedHashMap<>();
        config.tags().forEach((k, v) -> {
            boolean builtin = Set.of("nofailover", "noloadbalance", "clonefrom", "nosync", "nostream").contains(k);
            if (!builtin || io.herd.core.cluster.Tags.truthy(v)) {
                tags.put(k, v);
            }
        });
        return tags;
    }

    private NodeStatus toNodeStatus(Optional<ClusterView> view, Local local)
    {
        String state = tasks.running().filter(t -> t.startsWith("creating replica")).map(t -> "creating replica").orElse(switch (local.state().running()) {
            case RUNNING -> "running";
            case STARTING -> "starting";
            case CRASHED -> "crashed";
            case STOPPED -> "stopped";
        });
        boolean unlocked = view.map(v -> v.leader().isEmpty()).orElse(true);
        boolean paused = view.map(ClusterView::paused).orElse(false);
        OptionalLong optime = view.map(v -> v.status().optime()).filter(o -> o > 0).map(OptionalLong::of).orElse(OptionalLong.empty());
        OptionalLong lastSeen = dcsLastSeen == 0 ? OptionalLong.empty() : OptionalLong.of(dcsLastSeen);
        long next = status.nextRunNanos();
        if (local.postgres().isEmpty()) {
            return new NodeStatus(state, Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.empty(), false,
                    local.state().timeline(), Optional.empty(), List.of(), Optional.empty(), OptionalInt.empty(), local.state().systemIdentifier(),
                    leaderUntilNanos, unlocked, lastSeen, paused, effectiveTags(), next, optime);
        }
        PostgresStatus pg = local.postgres().get();
        List<Map<String, Object>> replication = pg.replicas().stream().map(r -> {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("usename", r.usename());
            row.put("application_name", r.applicationName());
            row.put("client_addr", r.clientAddr().orElse(null));
            row.put("state", r.state());
            row.put("sync_state", r.syncState());
            row.put("sync_priority", r.syncPriority());
            return row;
        }).toList();
        return new NodeStatus(state, Optional.of(pg.inRecovery() ? "replica" : "primary"),
                pg.inRecovery() ? OptionalLong.empty() : OptionalLong.of(pg.walPosition()),
                pg.receiveLsn(), pg.inRecovery() ? pg.replayLsn() : OptionalLong.empty(),
                pg.lastReplayTimestamp().map(t -> t.atOffset(ZoneOffset.UTC).toString()), pg.replayPaused(), OptionalInt.of(pg.timeline()),
                pg.replicationState(), replication, Optional.of(pg.postmasterStartTime().atOffset(ZoneOffset.UTC).toString()),
                OptionalInt.of(pg.serverVersionNum()), Optional.of(Long.toString(pg.systemIdentifier())), leaderUntilNanos, unlocked, lastSeen, paused,
                effectiveTags(), next, optime);
    }


    private void logOnce(String message)
    {
        if (!message.equals(lastLogged)) {
            lastLogged = message;
            log.info("{}", message);
        }
    }

    // ---- shutdown ----

    /**
     * Clean shutdown: stop PostgreSQL (fast: the replicas receive the shutdown checkpoint), then give the leader key
     * up at once so a replica takes over without waiting for the lease to expire.
     */
    @Override
    public void close()
    {
        stopped = true;
        wake();
        tasks.close();
        boolean cycleDone = awaitCycle();
        boolean wasLeader = leaderUntilNanos != 0;
        expectRunning = false;
        try {
            postgres.stop(StopMode.FAST);
        }
        catch (RuntimeException e) {
            log.error("could not stop PostgreSQL: {}; keeping the leader key", e.getMessage());
            return;
        }
        finally {
            fencer.close();
            if (cycleDone) {
                cycleLock.unlock();
            }
        }
        try {
            if (wasLeader) {
                dcs.releaseLeader();
                log.info("released the leader key on shutdown");
            }
            dcs.deleteMember();
        }
        catch (DcsException e) {
            log.warn("could not clean up the store on shutdown: {}", e.getMessage());
        }
        try {
            dcsListener.close();
        }
        catch (Exception ignored) {
            // closing a listener cannot fail in a way that matters at shutdown
        }
    }

    /** Waits (bounded) for a cycle under way to end; no cycle starts after this, as they check stopped under the lock. */
    private boolean awaitCycle()
    {
        try {
            if (cycleLock.tryLock(30, TimeUnit.SECONDS)) {
                return true;
            }
            log.warn("the HA loop did not finish its cycle within 30 s; stopping PostgreSQL anyway");
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    static final class FatalException
            extends RuntimeException
    {
        FatalException(String message)
        {
            super(message);
        }
    }

}
