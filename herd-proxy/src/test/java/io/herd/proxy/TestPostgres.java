package io.herd.proxy;

import io.herd.postgres.PostgresServer;
import io.herd.postgres.PostgresSettings;
import io.herd.postgres.ServerRole;
import io.herd.postgres.StopMode;
import io.herd.testing.FreePorts;
import io.herd.testing.PostgresBinaries;
import io.herd.testing.PostgresTestDirectory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A real PostgreSQL 15 on a free loopback port, trusting loopback clients; stopped and deleted by {@link #close()}. */
final class TestPostgres
        implements AutoCloseable
{
    private final PostgresTestDirectory directory;
    private final PostgresServer server;
    private final int port;

    TestPostgres(String name)
    {
        directory = PostgresTestDirectory.create("herd-proxy-pg-");
        port = FreePorts.next();
        PostgresSettings settings = PostgresSettings.builder(directory.resolve("data"), port)
                .binDir(PostgresBinaries.require())
                .memberName(name)
                .clusterName("proxytest")
                .parameter("shared_buffers", "16MB")
                .parameter("fsync", "off")
                .parameter("max_connections", "40")
                .pgHba(List.of("local all all trust", "host all all 127.0.0.1/32 trust"))
                .startTimeout(Duration.ofSeconds(60))
                .stopTimeout(Duration.ofSeconds(30))
                .build();
        server = new PostgresServer(settings);
        server.initdb();
        server.writeConfiguration(ServerRole.PRIMARY, Optional.empty());
        server.start();
    }

    int port()
    {
        return port;
    }

    static Connection connect(int port)
            throws SQLException
    {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&connectTimeout=10&socketTimeout=10&loginTimeout=15");
    }

    /** Which server a connection reached: its port is unique per test server. */
    static int serverPort(Connection connection)
            throws SQLException
    {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery("SELECT current_setting('port')::int")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Override
    public void close()
    {
        try {
            server.stop(StopMode.IMMEDIATE);
            server.close();
        }
        finally {
            directory.close();
        }
    }
}
