package io.herd.agent;

import io.herd.agent.api.AgentView;
import io.herd.agent.backup.BackupPlan;
import io.herd.agent.backup.ClusterBackups;
import io.herd.agent.api.RestApiServer;
import io.herd.agent.ha.HaLoop;
import io.herd.agent.ha.PeerClient;
import io.herd.core.cluster.ClusterView;
import io.herd.core.config.DynamicConfig;
import io.herd.core.config.HerdConfig;
import io.herd.core.config.PostgresqlConfig;
import io.herd.core.dcs.DcsException;
import io.herd.core.dcs.DcsKeys;
import io.herd.etcd.EtcdDcs;
import io.herd.postgres.Credentials;
import io.herd.postgres.Fencer;
import io.herd.postgres.PostgresServer;
import io.herd.postgres.PostgresSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** Wires one agent: store, PostgreSQL, fencer, HA loop and REST API, and takes them down in order. */
public final class Agent
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final HerdConfig config;
    private final EtcdDcs dcs;
    private final PostgresServer postgres;
    private final HaLoop loop;
    private final RestApiServer api;
    private final Thread loopThread;
    private final Optional<ClusterBackups> backups;

    private Agent(HerdConfig config, EtcdDcs dcs, PostgresServer postgres, HaLoop loop, RestApiServer api, Optional<ClusterBackups> backups)
    {
        this.backups = backups;
        this.config = config;
        this.dcs = dcs;
        this.postgres = postgres;
        this.loop = loop;
        this.api = api;
        this.loopThread = new Thread(loop, "herd-ha-loop");
    }

    public static Agent start(HerdConfig config)
    {
        requireNonNull(config, "config is null");
        if (currentUid() == 0) {
            throw new IllegalStateException("herd agent must not run as root: PostgreSQL refuses to, and the agent runs it. "
                    + "Run it as the user that owns " + config.postgresql().dataDir() + " (e.g. runuser -u postgres -- herd agent ...)");
        }
        config.warnings().forEach(w -> log.warn("{}", w));
        DynamicConfig dynamic = DynamicConfig.parse(config.bootstrap().dcs());
        Optional<BackupPlan> backupPlan = BackupPlan.from(config, config.backup().map(n -> (com.fasterxml.jackson.databind.JsonNode) n)
                .orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance()), System.getenv());
        Path socketDir = config.postgresql().dataDir().toAbsolutePath().getParent();
        Optional<ClusterBackups> backups = backupPlan.map(plan -> ClusterBackups.start(plan, config, socketDir, java.time.Clock.systemUTC()));
        PostgresSettings settings = postgresSettings(config, dynamic, backups.map(ClusterBackups::postgresParameters).orElse(java.util.Map.of()));
        PostgresServer postgres = new PostgresServer(settings);
        EtcdDcs dcs = new EtcdDcs(config.etcd(), DcsKeys.of(config.namespace(), config.scope()), config.name(), dynamic.ttl(), dynamic.retryTimeout());
        java.util.function.Supplier<Fencer> fencers = () -> {
            try {
                Files.createDirectories(settings.logDir());
                return Fencer.start(settings.dataDir(), settings.binDir(), settings.logDir().resolve("fencer.log"));
            }
            catch (java.io.IOException | RuntimeException e) {
                throw new IllegalStateException("cannot start the fencing watchdog: " + e.getMessage(), e);
            }
        };
        // the REST port first: an agent that cannot serve health checks must not touch PostgreSQL
        java.util.concurrent.atomic.AtomicReference<HaLoop> loopHolder = new java.util.concurrent.atomic.AtomicReference<>();
        RestApiServer api;
        try {
            api = new RestApiServer(config.restapi().listen(), new View(config, loopHolder, dcs), System::nanoTime);
        }
        catch (RuntimeException e) {
            backups.ifPresent(ClusterBackups::close);
            dcs.close();
            throw e;
        }
        HaLoop loop;
        try {
            loop = new HaLoop(config, dcs, postgres, fencers, new PeerClient(Duration.ofSeconds(1)), backups, System::nanoTime);
        }
        catch (RuntimeException e) {
            api.close();
            backups.ifPresent(ClusterBackups::close);
            dcs.close();
            throw e;
        }
        loopHolder.set(loop);
        Agent agent = new Agent(config, dcs, postgres, loop, api, backups);
        agent.loopThread.start();
        log.info("agent {} of cluster '{}' started (ttl {} s, loop_wait {} s)", config.name(), config.scope(),
                dynamic.ttl().toMillis() / 1000.0, dynamic.loopWait().toMillis() / 1000.0);
        return agent;
    }

    /** Herd's defaults, then backup settings, then the cluster's dynamic parameters, then the local ones: the most specific wins. */
    static PostgresSettings postgresSettings(HerdConfig config, DynamicConfig dynamic, java.util.Map<String, String> backupParameters)
    {
        PostgresqlConfig pg = config.postgresql();
        PostgresSettings.Builder builder = PostgresSettings.builder(pg.dataDir(), pg.port())
                .binDir(pg.binDir())
                .listenHosts(pg.listenHosts())
                .connectAddress(pg.connectAddress())
                .superuser(new Credentials(pg.superuser().username(), pg.superuser().password()))
                .replication(new Credentials(pg.replication().username(), pg.replication().password()))
                .pgHba(pg.pgHba())
                .pgpassPath(pg.pgpass())
                .clusterName(config.scope())
                .memberName(config.name())
                .initdbOptions(config.bootstrap().initdb());
        pg.rewind().ifPresent(r -> builder.rewind(new Credentials(r.username(), r.password())));
        // crash recovery syncs the data directory before redo; syncfs does it in one call per file system instead of
        // one fsync per file, which is most of the time a crashed primary takes to come back (settable as usual)
        builder.parameter("recovery_init_sync_method", "syncfs");
        backupParameters.forEach(builder::parameter);
        dynamic.parameters().forEach(builder::parameter);
        pg.parameters().forEach((name, value) -> {
            if (name.equals("unix_socket_directories")) {
                Path dir = Path.of(value.split(",")[0].trim());
                builder.socketDir(dir.isAbsolute() ? dir : pg.dataDir().toAbsolutePath().resolve(dir).normalize());
            }
            else {
                builder.parameter(name, value);
            }
        });
        pg.basebackup().forEach(builder::basebackupOption);
        return builder.build();
    }

    public int restApiPort()
    {
        return api.port();
    }

    public NodeStatus status()
    {
        return loop.status();
    }

    /** Blocks until the HA loop ends (a fatal error, or {@link #close()}); returns the fatal error if any. */
    public Optional<String> awaitTermination() throws InterruptedException
    {
        loopThread.join();
        return loop.fatalError();
    }

    @Override
    public void close()
    {
        log.info("agent {} shutting down", config.name());
        api.close();
        loop.close();
        try {
            loopThread.join(10_000);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        postgres.close();
        backups.ifPresent(ClusterBackups::close);
        dcs.close();
        log.info("agent {} stopped", config.name());
    }

    private static long currentUid()
    {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        }
        catch (Exception e) {
            return -1;
        }
    }

    private record View(HerdConfig config, java.util.concurrent.atomic.AtomicReference<HaLoop> loop, EtcdDcs dcs)
            implements AgentView
    {
        @Override
        public String scope()
        {
            return config.scope();
        }

        @Override
        public String name()
        {
            return config.name();
        }

        @Override
        public NodeStatus status()
        {
            HaLoop current = loop.get();
            return current == null ? NodeStatus.starting(config.tags(), System.nanoTime()) : current.status();
        }

        @Override
        public Optional<ClusterView> cluster()
        {
            try {
                return Optional.of(dcs.readFresh());
            }
            catch (DcsException e) {
                return Optional.empty();
            }
        }
    }
}
