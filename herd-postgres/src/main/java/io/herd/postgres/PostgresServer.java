package io.herd.postgres;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * Control of one local PostgreSQL 15 data directory: initdb, configuration, start/stop/promote, status, roles,
 * slots, clone (pg_basebackup) and rewind (pg_rewind).
 *
 * <p>Blocking: the lifecycle methods ({@link #initdb}, {@link #start}, {@link #stop}, {@link #promote},
 * {@link #cloneFrom}, {@link #rewind}) run programs and may take up to their timeout (clone: until done); run them
 * off the HA loop. {@link #status}, {@link #isRunning}, {@link #postmasterPid} answer within about two seconds.
 * Thread safety: all methods may be called from any thread; the cached SQL connection is guarded by this object,
 * but callers should not run two lifecycle operations at once.
 *
 * <p>Failures throw {@link PostgresException} with the tail of the program's output or of the server log.
 */
public final class PostgresServer
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);
    private static final Duration SQL_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(10);
    private static final Duration CLONE_TIMEOUT = Duration.ofDays(1);
    private static final Duration CLONE_RETRY_DELAY = Duration.ofSeconds(5);
    private static final ScheduledExecutorService PID_WATCHER = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "herd-postmaster-watcher");
        thread.setDaemon(true);
        return thread;
    });

    private final PostgresSettings settings;
    private final LongSupplier uidSupplier;
    private final CommandRunner commands;
    private final PostgresConfigFiles configFiles;
    private final AtomicReference<Process> child = new AtomicReference<>();
    private PostgresSql connection; // guarded by this

    public PostgresServer(PostgresSettings settings)
    {
        this(settings, ProcessUser::currentUid);
    }

    /** @param uidSupplier the uid this process runs as; PostgreSQL refuses root, and so does this class */
    public PostgresServer(PostgresSettings settings, LongSupplier uidSupplier)
    {
        this.settings = requireNonNull(settings, "settings is null");
        this.uidSupplier = requireNonNull(uidSupplier, "uidSupplier is null");
        this.commands = new CommandRunner(settings.logDir());
        this.configFiles = new PostgresConfigFiles(settings);
    }

    public PostgresSettings settings()
    {
        return settings;
    }

    // ---- data directory ----

    /** What the data directory holds; never throws for a bad directory, that is {@link DataDirectoryState.Kind#INVALID}. */
    public DataDirectoryState dataDirectoryState()
    {
        Path dataDir = settings.dataDir();
        if (!Files.exists(dataDir)) {
            return new DataDirectoryState(DataDirectoryState.Kind.MISSING, dataDir + " does not exist");
        }
        if (!Files.isDirectory(dataDir)) {
            return new DataDirectoryState(DataDirectoryState.Kind.INVALID, dataDir + " is not a directory");
        }
        try (Stream<Path> entries = Files.list(dataDir)) {
            if (entries.findAny().isEmpty()) {
                return new DataDirectoryState(DataDirectoryState.Kind.EMPTY, dataDir + " is empty");
            }
        }
        catch (IOException e) {
            return new DataDirectoryState(DataDirectoryState.Kind.INVALID, "cannot list " + dataDir + ": " + e.getMessage());
        }
        Path version = dataDir.resolve("PG_VERSION");
        if (!Files.isRegularFile(version)) {
            return new DataDirectoryState(DataDirectoryState.Kind.INVALID, dataDir + " is not empty but has no PG_VERSION");
        }
        try {
            String major = Files.readString(version).trim();
            if (!major.equals("15")) {
                return new DataDirectoryState(DataDirectoryState.Kind.INVALID, dataDir + " holds PostgreSQL " + major + ", expected 15");
            }
        }
        catch (IOException e) {
            return new DataDirectoryState(DataDirectoryState.Kind.INVALID, "cannot read " + version + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(dataDir.resolve("global/pg_control"))) {
            return new DataDirectoryState(DataDirectoryState.Kind.INVALID, dataDir + " has no global/pg_control");
        }
        return new DataDirectoryState(DataDirectoryState.Kind.INITIALIZED, dataDir + " holds a PostgreSQL 15 cluster");
    }

    /** pg_controldata of the data directory (works whether or not the server runs). */
    public ControlData controlData()
    {
        CommandRunner.Result result = commands.runChecked(List.of(bin("pg_controldata"), "-D", settings.dataDir().toString()), Map.of(), Duration.ofSeconds(30));
        return ControlData.parse(result.output());
    }

    /**
     * Creates the cluster with initdb (superuser from the settings, its password through a 0600 file), then moves
     * initdb's postgresql.conf aside as the base configuration. Call {@link #writeConfiguration} next.
     *
     * @throws PostgresException when running as root, or the data directory is neither missing nor empty, or initdb fails
     */
    public void initdb()
    {
        requireNotRoot("initdb");
        DataDirectoryState state = dataDirectoryState();
        if (state.kind() != DataDirectoryState.Kind.MISSING && state.kind() != DataDirectoryState.Kind.EMPTY) {
            throw new PostgresException("refusing initdb: " + state.reason());
        }
        List<String> command = new ArrayList<>(List.of(bin("initdb"), "-D", settings.dataDir().toString(),
                "--username=" + settings.superuser().username(), "--auth-local=trust", "--auth-host=md5"));
        command.addAll(settings.initdbOptions());
        Path passwordFile = null;
        try {
            if (settings.superuser().password().isPresent()) {
                passwordFile = secretFile("pwfile", settings.superuser().password().get() + "\n");
                command.add("--pwfile=" + passwordFile);
            }
            commands.runChecked(command, Map.of(), Duration.ofMinutes(5));
        }
        finally {
            deleteQuietly(passwordFile);
        }
        configFiles.adoptInitdbConfiguration();
        log.info("initialized PostgreSQL cluster in {}", settings.dataDir());
    }

    /**
     * Writes postgresql.conf (Herd-owned, including postgresql.base.conf), pg_hba.conf, the signal files and, for a
     * replica, the pgpass file {@code primary_conninfo} refers to.
     *
     * @param source for a replica, where to stream from; empty: a replica that only replays (no primary_conninfo)
     * @return whether a running server needs a reload or a restart (a role change always needs a restart, except
     *         after {@link #promote()}, which already left recovery)
     */
    public ConfigurationChange writeConfiguration(ServerRole role, Optional<ReplicationSource> source)
    {
        requireNonNull(role, "role is null");
        requireNonNull(source, "source is null");
        if (role == ServerRole.PRIMARY && source.isPresent()) {
            throw new IllegalArgumentException("a primary has no replication source");
        }
        return configFiles.write(role, source);
    }

    // ---- process lifecycle ----

    /**
     * Starts the postmaster as a child process (in its own session, output appended to {@code <logDir>/postgresql.log})
     * and waits until it accepts connections.
     *
     * @throws PostgresException when already running, when the postmaster exits during start-up (with the log's
     *         tail), or when it does not accept connections within the start timeout (it is left running then)
     */
    public void start()
    {
        requireNotRoot("start PostgreSQL");
        Optional<Long> running = postmasterPid();
        if (running.isPresent()) {
            throw new PostgresException("PostgreSQL in " + settings.dataDir() + " is already running as pid " + running.get());
        }
        try {
            removePidFileOfReusedPid();
            Files.createDirectories(settings.logDir());
            Files.createDirectories(settings.socketDir());
        }
        catch (IOException e) {
            throw new PostgresException("cannot prepare start of PostgreSQL: " + e.getMessage(), e);
        }
        Path serverLog = serverLog();
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // execs in place: the child is not a process group leader
        }
        command.addAll(List.of(bin("postgres"), "-D", settings.dataDir().toString()));
        long offset = size(serverLog);
        Process process;
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(serverLog.toFile()));
            builder.environment().put("LC_ALL", "C");
            process = builder.start();
        }
        catch (IOException e) {
            throw new PostgresException("cannot start postgres: " + e.getMessage(), e);
        }
        child.set(process);
        log.info("started postgres for {} as pid {}", settings.dataDir(), process.pid());
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new PostgresException("postgres exited with code " + process.exitValue() + " during start-up:\n" + logTail(serverLog, offset));
            }
            if (isReady()) {
                return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new PostgresException("postgres (pid " + process.pid() + ") does not accept connections after " + settings.startTimeout() + ":\n" + logTail(serverLog, offset));
            }
            sleep(Duration.ofMillis(100));
        }
    }

    /**
     * Stops the server with {@code pg_ctl stop -m <mode>} within the stop timeout.
     *
     * @return false when it was not running
     * @throws PostgresException when it is still running after the stop timeout
     */
    public boolean stop(StopMode mode)
    {
        requireNonNull(mode, "mode is null");
        closeConnection();
        Optional<Long> pid = postmasterPid();
        if (pid.isEmpty()) {
            return false;
        }
        CommandRunner.Result result = commands.run(List.of(bin("pg_ctl"), "stop", "-D", settings.dataDir().toString(), "-m", mode.pgCtlName(),
                "-w", "-t", Long.toString(Math.max(1, settings.stopTimeout().toSeconds()))), Map.of(), settings.stopTimeout().plusSeconds(10));
        if (!result.succeeded() && postmasterPid().isPresent()) {
            throw new PostgresException("pg_ctl stop -m " + mode.pgCtlName() + " failed:\n" + result.tail());
        }
        try {
            onExit().get(settings.stopTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (Exception e) {
            throw new PostgresException("postmaster " + pid.get() + " still running after stop", e);
        }
        log.info("stopped PostgreSQL in {} ({})", settings.dataDir(), mode.pgCtlName());
        return true;
    }

    /**
     * After the postmaster died, its backends linger until they notice, and PostgreSQL refuses to start while they
     * still hold the old shared memory. They are recognised by their working directory, which every PostgreSQL
     * process sets to its data directory, so only this cluster's processes are ever touched.
     *
     * @return how many were killed
     */
    public int killOrphanedBackends()
    {
        if (postmasterPid().isPresent()) {
            return 0;
        }
        Path dataDir;
        try {
            dataDir = settings.dataDir().toRealPath();
        }
        catch (IOException e) {
            return 0;
        }
        int killed = 0;
        List<ProcessHandle> dying = new ArrayList<>();
        try (var entries = Files.list(Path.of("/proc"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    if (!Files.readSymbolicLink(entry.resolve("cwd")).equals(dataDir)) {
                        continue;
                    }
                }
                catch (IOException | SecurityException e) {
                    continue; // gone, or not ours
                }
                long pid = Long.parseLong(name);
                Optional<ProcessHandle> process = ProcessHandle.of(pid);
                boolean isPostgres = process.flatMap(h -> h.info().command()).map(c -> c.endsWith("/postgres")).orElse(false);
                if (isPostgres && process.get().destroyForcibly()) {
                    dying.add(process.get());
                    killed++;
                }
            }
        }
        catch (IOException e) {
            log.warn("cannot look for orphaned backends: {}", e.getMessage());
        }
        for (ProcessHandle process : dying) {
            try {
                process.onExit().get(2, TimeUnit.SECONDS);
            }
            catch (Exception e) {
                // exits on its own; start-up reports it if it still holds shared memory
            }
        }
        if (killed > 0) {
            log.info("killed {} backends left behind by the crashed postmaster of {}", killed, settings.dataDir());
        }
        return killed;
    }

    /** Promotes a running standby with {@code pg_ctl promote -w}; returns when it accepts writes. */
    public void promote()
    {
        commands.runChecked(List.of(bin("pg_ctl"), "promote", "-D", settings.dataDir().toString(), "-w",
                "-t", Long.toString(Math.max(1, settings.startTimeout().toSeconds()))), Map.of(), settings.startTimeout().plusSeconds(10));
        log.info("promoted PostgreSQL in {}", settings.dataDir());
    }

    /**
     * Runs an immediate CHECKPOINT on the local server. After a promotion PostgreSQL only requests a spread checkpoint,
     * and until one completes its pg_control still names the old timeline: pg_rewind on a former primary would then
     * conclude "same timeline, no rewind required" and leave diverged WAL in place.
     */
    public void checkpoint()
    {
        try (PostgresSql sql = PostgresSql.connect(localHost(), settings.port(), settings.superuser(), CHECKPOINT_TIMEOUT)) {
            sql.checkpoint();
        }
        catch (SQLException e) {
            throw new PostgresException("CHECKPOINT failed: " + e.getMessage(), e);
        }
    }

    /** Makes the running server re-read its configuration files ({@code pg_ctl reload}). */
    public void reload()
    {
        commands.runChecked(List.of(bin("pg_ctl"), "reload", "-D", settings.dataDir().toString()), Map.of(), Duration.ofSeconds(30));
    }

    public boolean isRunning()
    {
        return postmasterPid().isPresent();
    }

    /**
     * The postmaster's pid from postmaster.pid, when that process is alive and is a postgres executable (guards
     * against a stale file whose pid was reused).
     */
    public Optional<Long> postmasterPid()
    {
        Path pidFile = settings.dataDir().resolve("postmaster.pid");
        String firstLine;
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            firstLine = Files.readAllLines(pidFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
        }
        catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(firstLine);
        }
        catch (NumberFormatException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return Optional.empty();
        }
        Optional<String> command = handle.get().info().command();
        if (command.isPresent() && !command.get().endsWith("/postgres") && !command.get().endsWith("/postmaster")) {
            return Optional.empty();
        }
        return Optional.of(pid);
    }

    /**
     * Completes when the postmaster exits: at once for a child of this object, within 100 ms for a postmaster found
     * running (the agent restarted). Already complete when nothing runs.
     */
    public CompletableFuture<Void> onExit()
    {
        Process process = child.get();
        if (process != null && process.isAlive()) {
            return process.onExit().thenApply(ignored -> null);
        }
        Optional<Long> pid = postmasterPid();
        if (pid.isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.get());
        CompletableFuture<Void> exit = new CompletableFuture<>();
        if (handle.isEmpty()) {
            exit.complete(null);
            return exit;
        }
        ScheduledFuture<?> poll = PID_WATCHER.scheduleWithFixedDelay(() -> {
            if (!handle.get().isAlive()) {
                exit.complete(null);
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
        exit.whenComplete((ignored, failure) -> poll.cancel(false));
        return exit;
    }

    // ---- SQL ----

    /**
     * Reads the server's state over one cached connection (re-opened after a failure) as the superuser.
     *
     * @throws PostgresException when the server cannot be reached or queried within about two seconds
     */
    public synchronized PostgresStatus status()
    {
        try {
            return sql().status();
        }
        catch (SQLException e) {
            closeConnection();
            throw new PostgresException("cannot read status of PostgreSQL on port " + settings.port() + ": " + e.getMessage(), e);
        }
    }

    /**
     * On a new primary: sets the superuser's password, creates (or updates) the replication role and the rewind
     * role with the grants pg_rewind needs on PostgreSQL 15. Passwords are quoted by the server ({@code format %L})
     * and statement logging is off while they are set.
     */
    public synchronized void createRoles()
    {
        try {
            PostgresSql sql = sql();
            Credentials superuser = settings.superuser();
            if (superuser.password().isPresent()) {
                sql.executeFormatted("ALTER ROLE %I WITH PASSWORD %L", superuser.username(), superuser.password().get());
            }
            createRole(sql, settings.replication(), "LOGIN REPLICATION");
            if (settings.rewind().isPresent()) {
                Credentials rewind = settings.rewind().get();
                createRole(sql, rewind, "LOGIN");
                for (String function : List.of("pg_catalog.pg_ls_dir(text, boolean, boolean)", "pg_catalog.pg_stat_file(text, boolean)",
                        "pg_catalog.pg_read_binary_file(text)", "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)",
                        "pg_catalog.pg_control_checkpoint()")) {
                    sql.executeFormatted("GRANT EXECUTE ON FUNCTION " + function + " TO %I", rewind.username());
                }
                if (sql.exists("SELECT 1 FROM pg_roles WHERE rolname = ?", "pg_checkpoint")) {
                    // lets a rejoining member finish a new primary's first checkpoint instead of waiting for it
                    sql.executeFormatted("GRANT pg_checkpoint TO %I", rewind.username());
                }
            }
        }
        catch (SQLException e) {
            closeConnection();
            throw new PostgresException("cannot create roles: " + e.getMessage(), e);
        }
    }

    private static void createRole(PostgresSql sql, Credentials credentials, String options)
            throws SQLException
    {
        String verb = sql.exists("SELECT 1 FROM pg_roles WHERE rolname = ?", credentials.username()) ? "ALTER" : "CREATE";
        if (credentials.password().isPresent()) {
            sql.executeFormatted(verb + " ROLE %I WITH " + options + " PASSWORD %L", credentials.username(), credentials.password().get());
        }
        else {
            sql.executeFormatted(verb + " ROLE %I WITH " + options, credentials.username());
        }
    }

    /**
     * On a primary: creates the physical slots in {@code wanted} that are missing (reserving WAL at once) and drops
     * the other physical slots unless a WAL sender uses them. Every physical slot counts as Herd's; logical slots
     * are never touched. Pass permanent slots as part of {@code wanted}.
     */
    public synchronized SlotChanges syncReplicationSlots(Set<String> wanted)
    {
        requireNonNull(wanted, "wanted is null");
        Set<String> created = new TreeSet<>();
        Set<String> dropped = new TreeSet<>();
        Set<String> kept = new TreeSet<>();
        try {
            PostgresSql sql = sql();
            List<PostgresSql.Slot> existing = sql.physicalSlots();
            Set<String> existingNames = new TreeSet<>();
            for (PostgresSql.Slot slot : existing) {
                existingNames.add(slot.name());
                if (!wanted.contains(slot.name())) {
                    if (slot.active()) {
                        kept.add(slot.name());
                    }
                    else {
                        sql.dropSlot(slot.name());
                        dropped.add(slot.name());
                    }
                }
            }
            for (String name : wanted) {
                if (!existingNames.contains(name)) {
                    sql.createPhysicalSlot(name);
                    created.add(name);
                }
            }
        }
        catch (SQLException e) {
            closeConnection();
            throw new PostgresException("cannot synchronize replication slots: " + e.getMessage(), e);
        }
        if (!created.isEmpty() || !dropped.isEmpty()) {
            log.info("replication slots: created {}, dropped {}", created, dropped);
        }
        return new SlotChanges(created, dropped, kept);
    }

    /** Patroni's slot name for a member; see {@link SlotNames#slotName}. */
    public static String slotName(String memberName)
    {
        return SlotNames.slotName(memberName);
    }

    // ---- clone and rewind ----

    /**
     * Replaces the data directory with a copy of {@code source} made by
     * {@code pg_basebackup --pgdata=<dir> -X stream --dbname=<conninfo>} plus the configured options
     * ({@code --checkpoint=fast} unless one is given). Two attempts, 5 s apart; the directory is wiped before each.
     * The password goes through a temporary pgpass file. Call {@link #writeConfiguration} before starting.
     *
     * @throws PostgresException with pg_basebackup's output when both attempts fail, or when the server runs
     */
    public void cloneFrom(ReplicationSource source)
    {
        requireNonNull(source, "source is null");
        requireNotRoot("clone");
        requireStopped("clone");
        List<String> command = new ArrayList<>(List.of(bin("pg_basebackup"), "--pgdata=" + settings.dataDir(), "-X", "stream",
                "--dbname=" + source.conninfo("postgres")));
        if (settings.basebackupOptions().stream().noneMatch(option -> option.startsWith("--checkpoint") || option.startsWith("-c"))) {
            command.add("--checkpoint=fast");
        }
        command.addAll(settings.basebackupOptions());
        Path pgpass = settings.logDir().resolve("pgpass.clone");
        PostgresConfigFiles.writePgpass(pgpass, source);
        try {
            for (int attempt = 1; ; attempt++) {
                wipeDataDirectory();
                CommandRunner.Result result = commands.run(command, Map.of("PGPASSFILE", pgpass.toString()), CLONE_TIMEOUT);
                if (result.succeeded()) {
                    log.info("cloned {} from {}", settings.dataDir(), source);
                    return;
                }
                if (attempt == 2) {
                    wipeDataDirectory();
                    throw new PostgresException("pg_basebackup from " + source + " failed twice:\n" + result.tail());
                }
                log.warn("pg_basebackup from {} failed (attempt {}), retrying in {}:\n{}", source, attempt, CLONE_RETRY_DELAY, result.tail());
                sleep(CLONE_RETRY_DELAY);
            }
        }
        finally {
            deleteQuietly(pgpass);
        }
    }

    /**
     * Creates the replica's data directory with the first of {@code methods} that succeeds, in order. Without a
     * source only methods marked {@code noLeader} are tried. The data directory is wiped before each method (unless
     * it keeps data) and after a failed one.
     *
     * @return the name of the method that succeeded
     * @throws PostgresException naming each failed method with its output's tail, or when none is applicable
     */
    public String createReplica(List<ReplicaMethod> methods, Optional<ReplicationSource> source)
    {
        requireNonNull(methods, "methods is null");
        requireNonNull(source, "source is null");
        requireNotRoot("create a replica");
        requireStopped("create a replica");
        StringBuilder failures = new StringBuilder();
        for (ReplicaMethod method : methods) {
            if (source.isEmpty() && !method.noLeader()) {
                continue;
            }
            try {
                if (method.isBasebackup()) {
                    cloneFrom(source.orElseThrow());
                }
                else {
                    runReplicaCommand(method, source);
                }
                return method.name();
            }
            catch (PostgresException e) {
                log.warn("replica method {} failed: {}", method.name(), e.getMessage());
                failures.append("\n").append(method.name()).append(": ").append(e.getMessage());
                wipeDataDirectory();
            }
        }
        throw new PostgresException(failures.length() == 0
                ? "no replica method applies" + (source.isEmpty() ? " without a source (none is marked no_leader)" : "")
                : "every replica method failed:" + failures);
    }

    private void runReplicaCommand(ReplicaMethod method, Optional<ReplicationSource> source)
    {
        if (!method.keepData()) {
            wipeDataDirectory();
        }
        List<String> command = new ArrayList<>(method.command());
        if (!method.noParams()) {
            command.add("--scope=" + settings.clusterName());
            command.add("--role=replica");
            command.add("--datadir=" + settings.dataDir());
            source.ifPresent(from -> command.add("--connstring=" + from.conninfo("postgres")));
        }
        method.options().forEach((key, value) -> command.add("--" + key + "=" + value));
        Path pgpass = settings.logDir().resolve("pgpass.replica-method");
        Map<String, String> env = Map.of();
        if (source.isPresent()) {
            PostgresConfigFiles.writePgpass(pgpass, source.get());
            env = Map.of("PGPASSFILE", pgpass.toString());
        }
        try {
            commands.runChecked(command, env, CLONE_TIMEOUT);
            log.info("created replica in {} with method {}", settings.dataDir(), method.name());
        }
        finally {
            deleteQuietly(pgpass);
        }
    }

    /**
     * Brings a crashed primary's stopped data directory (state {@code in production}, {@code in crash recovery} or
     * {@code shutting down}) to a clean shutdown by crash recovery in single-user mode, after removing the recovery
     * signal files (single-user mode refuses standby mode). Does nothing for any other state: in particular a
     * directory {@code in archive recovery} (a stopped standby, or one just rewound) is left alone, because
     * single-user recovery would end its recovery and write WAL of its own.
     */
    public void ensureCleanShutdown()
    {
        requireNotRoot("run crash recovery");
        requireStopped("run crash recovery");
        if (!controlData().needsCrashRecovery()) {
            return;
        }
        try {
            Files.deleteIfExists(settings.dataDir().resolve(PostgresConfigFiles.STANDBY_SIGNAL));
            Files.deleteIfExists(settings.dataDir().resolve(PostgresConfigFiles.RECOVERY_SIGNAL));
        }
        catch (IOException e) {
            throw new PostgresException("cannot remove signal files: " + e.getMessage(), e);
        }
        log.info("running crash recovery in single-user mode for {}", settings.dataDir());
        commands.runChecked(List.of(bin("postgres"), "--single", "-D", settings.dataDir().toString(),
                "-c", "archive_mode=off", "-c", "hot_standby=off", "postgres"), Map.of(), settings.startTimeout().plus(settings.stopTimeout()));
        ControlData after = controlData();
        if (!after.isCleanShutdown()) {
            throw new PostgresException("after single-user crash recovery the cluster state is '" + after.state() + "'");
        }
    }

    /**
     * Whether the stopped local data directory has WAL that {@code source} does not have (then it must be rewound
     * before it can stream from it). Runs crash recovery first when needed.
     *
     * <p>How: locally the timeline and end of WAL come from pg_control (the shutdown checkpoint for a former
     * primary, the minimum recovery point for a former standby). On the source, as the role in {@code source}
     * (rewind role or superuser), the current timeline comes from its WAL file name and the switch points from
     * {@code pg_wal/<timeline>.history} via pg_read_binary_file. Diverged: the local timeline is not an ancestor of
     * (or equal to) the source's, or the local WAL goes past the point where the source left it.
     *
     * @throws PostgresException when the server runs or the source cannot be queried
     */
    public boolean needsRewind(ReplicationSource source)
    {
        requireNonNull(source, "source is null");
        ensureCleanShutdown();
        ControlData local = controlData();
        int localTimeline;
        long localWalEnd;
        if (local.wasPrimary()) {
            localTimeline = local.timeline();
            localWalEnd = local.checkpointLsn() + 1; // the shutdown checkpoint record is the last one
        }
        else {
            localTimeline = local.minRecoveryEndTimeline() != 0 ? local.minRecoveryEndTimeline() : local.timeline();
            localWalEnd = Math.max(local.minRecoveryEndLsn(), local.checkpointLsn() + 1);
        }
        SourceTimeline remote = sourceTimeline(source);
        boolean diverged = TimelineDivergence.diverged(localTimeline, localWalEnd, remote.timeline(), remote.history());
        log.info("local timeline {} up to {}, source {} on timeline {}: {}", localTimeline, Lsn.format(localWalEnd), source, remote.timeline(),
                diverged ? "diverged, needs pg_rewind" : "can follow");
        return diverged;
    }

    /**
     * Whether this running standby has replayed WAL that {@code source} does not have: past the point where the
     * source's timeline forked off the one it replays. PostgreSQL cannot follow the source from there and waits
     * forever; the data directory must be rewound. False when it replays the source's timeline (or a newer one).
     */
    public boolean replayDiverged(ReplicationSource source)
    {
        requireNonNull(source, "source is null");
        PostgresStatus local = status();
        if (!local.inRecovery() || local.replayLsn().isEmpty()) {
            return false;
        }
        SourceTimeline remote = sourceTimeline(source);
        if (remote.timeline() <= local.timeline()) {
            return false;
        }
        boolean diverged = TimelineDivergence.diverged(local.timeline(), local.replayLsn().getAsLong(), remote.timeline(), remote.history());
        log.info("replayed timeline {} up to {}, source {} on timeline {}: {}", local.timeline(), Lsn.format(local.replayLsn().getAsLong()), source,
                remote.timeline(), diverged ? "replayed past the fork, needs pg_rewind" : "can follow");
        return diverged;
    }

    /** The timeline source writes (or last checkpointed) and its history file, empty on timeline 1. */
    private static SourceTimeline sourceTimeline(ReplicationSource source)
    {
        try (PostgresSql sql = connect(source, SQL_TIMEOUT)) {
            int timeline = sql.currentTimeline();
            Optional<String> history = timeline > 1 ? sql.readWalDirectoryFile(String.format("%08X.history", timeline)) : Optional.empty();
            return new SourceTimeline(timeline, history);
        }
        catch (SQLException e) {
            throw new PostgresException("cannot check timeline of " + source + ": " + e.getMessage(), e);
        }
    }

    private record SourceTimeline(int timeline, Optional<String> history) {}

    private static PostgresSql connect(ReplicationSource source, Duration socketTimeout)
            throws SQLException
    {
        return PostgresSql.connect(source.host(), source.port(), new Credentials(source.user(), source.password()), socketTimeout);
    }

    /**
     * Rewinds the stopped data directory onto {@code source} with pg_rewind (after crash recovery when needed). The
     * role in {@code source} must be the rewind role or a superuser. pg_rewind copies the source's configuration
     * files, so call {@link #writeConfiguration} afterwards.
     */
    public RewindResult rewind(ReplicationSource source)
    {
        requireNonNull(source, "source is null");
        ensureCleanShutdown();
        requireCheckpointOnCurrentTimeline(source);
        Path pgpass = settings.logDir().resolve("pgpass.rewind");
        PostgresConfigFiles.writePgpass(pgpass, source);
        try {
            CommandRunner.Result result = commands.run(List.of(bin("pg_rewind"), "--target-pgdata=" + settings.dataDir(),
                    "--source-server=" + source.conninfo("postgres")), Map.of("PGPASSFILE", pgpass.toString()), CLONE_TIMEOUT);
            if (result.succeeded() && result.tail().contains("no rewind required")) {
                // only reached when the source's pg_control lags its timeline after all: the WAL is still diverged
                log.warn("pg_rewind onto {} found nothing to rewind although the histories diverged:\n{}", source, result.tail());
                return new RewindResult(false, result.tail());
            }
            if (result.succeeded()) {
                log.info("rewound {} onto {}", settings.dataDir(), source);
            }
            else {
                log.warn("pg_rewind onto {} failed:\n{}", source, result.tail());
            }
            return new RewindResult(result.succeeded(), result.tail());
        }
        finally {
            deleteQuietly(pgpass);
        }
    }

    /**
     * pg_rewind takes the source's timeline from its pg_control, which names the new timeline only after the first
     * checkpoint following a promotion. Asks for that checkpoint (the rewind role may hold pg_checkpoint) and fails,
     * to be retried, while it is still missing.
     */
    private void requireCheckpointOnCurrentTimeline(ReplicationSource source)
    {
        try (PostgresSql sql = connect(source, CHECKPOINT_TIMEOUT)) {
            int current = sql.currentTimeline();
            if (sql.checkpointTimeline() >= current) {
                return;
            }
            log.info("{} has not checkpointed since it switched to timeline {}: requesting a CHECKPOINT before pg_rewind", source, current);
            try {
                sql.checkpoint();
            }
            catch (SQLException e) {
                log.info("cannot run CHECKPOINT on {} ({}); waiting for its own", source, String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
            }
            int checkpointed = sql.checkpointTimeline();
            if (checkpointed < current) {
                throw new PostgresException(source + " still has its last checkpoint on timeline " + checkpointed + " while it writes timeline "
                        + current + "; pg_rewind would see no divergence, retrying later");
            }
        }
        catch (SQLException e) {
            throw new PostgresException("cannot check the checkpoint timeline of " + source + ": " + e.getMessage(), e);
        }
    }

    /** Closes the cached SQL connection; does not stop PostgreSQL. */
    @Override
    public synchronized void close()
    {
        closeConnection();
    }

    // ---- helpers ----

    private PostgresSql sql()
            throws SQLException
    {
        synchronized (this) {
            if (connection == null || !connection.isValid()) {
                closeConnection();
                connection = PostgresSql.connect(localHost(), settings.port(), settings.superuser(), SQL_TIMEOUT);
            }
            return connection;
        }
    }

    private synchronized void closeConnection()
    {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }

    /** The loopback address the server listens on for the agent's own connections. */
    private String localHost()
    {
        for (String host : settings.listenHosts()) {
            if (host.equals("*") || host.equals("0.0.0.0") || host.equals("127.0.0.1") || host.equals("localhost")) {
                return "127.0.0.1";
            }
            if (host.equals("::") || host.equals("::1")) {
                return "::1";
            }
        }
        return settings.listenHosts().get(0);
    }

    private boolean isReady()
    {
        CommandRunner.Result result = commands.run(List.of(bin("pg_isready"), "-q", "-h", settings.socketDir().toAbsolutePath().toString(),
                "-p", Integer.toString(settings.port()), "-U", settings.superuser().username(), "-d", "postgres", "-t", "1"), Map.of(), Duration.ofSeconds(5));
        return result.succeeded();
    }

    /**
     * A postmaster.pid whose pid now belongs to another program would make postgres refuse to start; remove it. A
     * file naming a dead pid stays: postgres itself uses it to check that no old backend still holds shared memory.
     */
    private void removePidFileOfReusedPid()
            throws IOException
    {
        Path pidFile = settings.dataDir().resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        String firstLine = Files.readAllLines(pidFile, StandardCharsets.UTF_8).stream().findFirst().orElse("").trim();
        try {
            Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(firstLine));
            if (handle.isPresent() && handle.get().isAlive()) {
                log.warn("removing {}: its pid {} belongs to {}", pidFile, firstLine, handle.get().info().command().orElse("another program"));
                Files.delete(pidFile);
            }
        }
        catch (NumberFormatException e) {
            // postgres reports a corrupt pid file itself
        }
    }

    private void requireNotRoot(String action)
    {
        if (uidSupplier.getAsLong() == 0) {
            throw new PostgresException("refusing to " + action + " as root: PostgreSQL must run as an unprivileged user (e.g. postgres); start Herd as that user");
        }
    }

    private void requireStopped(String action)
    {
        Optional<Long> pid = postmasterPid();
        if (pid.isPresent()) {
            throw new PostgresException("cannot " + action + " while PostgreSQL runs (pid " + pid.get() + ")");
        }
    }

    private void wipeDataDirectory()
    {
        Path dataDir = settings.dataDir();
        try {
            if (Files.exists(dataDir)) {
                try (Stream<Path> walk = Files.walk(dataDir)) {
                    for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                        if (!path.equals(dataDir)) {
                            Files.delete(path);
                        }
                    }
                }
            }
            else {
                Files.createDirectories(dataDir);
            }
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        }
        catch (IOException e) {
            throw new PostgresException("cannot empty " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private Path secretFile(String prefix, String content)
    {
        try {
            Files.createDirectories(settings.logDir());
            Path file = Files.createTempFile(settings.logDir(), prefix, ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content, StandardCharsets.UTF_8);
            return file;
        }
        catch (IOException e) {
            throw new PostgresException("cannot write " + prefix + " file: " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file)
    {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            }
            catch (IOException e) {
                log.warn("cannot delete {}: {}", file, e.getMessage());
            }
        }
    }

    /** The postmaster's log file (stdout and stderr). */
    public Path serverLog()
    {
        return settings.logDir().resolve("postgresql.log");
    }

    private static long size(Path file)
    {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        }
        catch (IOException e) {
            return 0;
        }
    }

    private static String logTail(Path file, long offset)
    {
        try {
            byte[] bytes = Files.readAllBytes(file);
            int from = (int) Math.max(offset, bytes.length - 16_384L);
            return CommandRunner.tail(new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8));
        }
        catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private String bin(String program)
    {
        return settings.binDir().resolve(program).toString();
    }

    private static void sleep(Duration duration)
    {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PostgresException("interrupted", e);
        }
    }
}
