package io.herd.postgres;

import io.herd.testing.FreePorts;
import io.herd.testing.PostgresBinaries;
import io.herd.testing.PostgresTestDirectory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/** One PostgreSQL member of a test cluster in its own temp directory, on a free loopback port. */
final class TestMember
        implements AutoCloseable
{
    static final Credentials SUPERUSER = Credentials.of("postgres", "super'secret");
    static final Credentials REPLICATION = Credentials.of("replicator", "repl:pass");
    static final Credentials REWIND = Credentials.of("rewinder", "rewind\\pass");

    final PostgresTestDirectory directory;
    final PostgresSettings settings;
    final PostgresServer server;

    TestMember(String name)
    {
        Path binDir = PostgresBinaries.require();
        directory = PostgresTestDirectory.create("herd-pg-");
        settings = PostgresSettings.builder(directory.resolve("data"), FreePorts.next())
                .binDir(binDir)
                .memberName(name)
                .clusterName("test")
                .superuser(SUPERUSER)
                .replication(REPLICATION)
                .rewind(REWIND)
                .parameter("shared_buffers", "16MB")
                .parameter("fsync", "off")
                .parameter("max_connections", "20")
                .initdbOptions(java.util.List.of("--encoding=UTF8", "--data-checksums"))
                .startTimeout(Duration.ofSeconds(30))
                .stopTimeout(Duration.ofSeconds(30))
                .build();
        server = new PostgresServer(settings);
    }

    /** initdb, configure as primary, start, create roles. */
    TestMember bootstrapPrimary()
    {
        server.initdb();
        server.writeConfiguration(ServerRole.PRIMARY, Optional.empty());
        server.start();
        server.createRoles();
        return this;
    }

    /** Where a replica of this member streams from, as the replication role. */
    ReplicationSource replicationSource(String applicationName)
    {
        return new ReplicationSource("127.0.0.1", settings.port(), REPLICATION.username(), REPLICATION.password(), applicationName,
                Optional.of(PostgresServer.slotName(applicationName)));
    }

    /** This member reached as the rewind role. */
    ReplicationSource rewindSource(String applicationName)
    {
        return replicationSource(applicationName).withCredentials(REWIND);
    }

    Connection connect()
            throws SQLException
    {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + settings.port() + "/postgres?connectTimeout=5&socketTimeout=10",
                SUPERUSER.username(), SUPERUSER.password().orElseThrow());
    }

    void execute(String sql)
            throws SQLException
    {
        try (Connection connection = connect()) {
            connection.createStatement().execute(sql);
        }
    }

    @Override
    public void close()
    {
        try {
            server.close();
            if (server.isRunning()) {
                server.stop(StopMode.IMMEDIATE);
            }
        }
        finally {
            directory.close();
        }
    }
}
