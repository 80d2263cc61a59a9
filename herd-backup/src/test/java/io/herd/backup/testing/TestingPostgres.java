package io.herd.backup.testing;

import io.herd.testing.FreePorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** A throwaway PostgreSQL 15 started with initdb/pg_ctl on a free loopback port; stopped by PID-bound pg_ctl. */
public final class TestingPostgres
        implements AutoCloseable
{
    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");

    private final Path dataDirectory;
    private final int port;
    private final Map<String, String> environment;
    private boolean running;

    private TestingPostgres(Path dataDirectory, int port, Map<String, String> environment)
    {
        this.dataDirectory = dataDirectory;
        this.port = port;
        this.environment = Map.copyOf(environment);
    }

    /** initdb plus settings for archiving; not started. */
    public static TestingPostgres initialize(Path dataDirectory, Map<String, String> settings, Map<String, String> environment)
            throws Exception
    {
        run(List.of(BIN.resolve("initdb").toString(), "-D", dataDirectory.toString(), "-U", user(), "-A", "trust", "--no-sync", "-E", "UTF8"),
                environment, Duration.ofSeconds(120));
        TestingPostgres postgres = new TestingPostgres(dataDirectory, FreePorts.next(), environment);
        postgres.appendSettings(settings);
        return postgres;
    }

    /** A data directory restored from a backup; gets its own port. */
    public static TestingPostgres existing(Path dataDirectory, Map<String, String> environment)
    {
        return new TestingPostgres(dataDirectory, FreePorts.next(), environment);
    }

    public void appendSettings(Map<String, String> settings)
            throws IOException
    {
        StringBuilder conf = new StringBuilder("\n");
        conf.append("port = ").append(port).append('\n');
        conf.append("listen_addresses = '127.0.0.1'\n");
        conf.append("unix_socket_directories = '").append(dataDirectory).append("'\n");
        conf.append("fsync = off\n");
        conf.append("shared_buffers = '32MB'\n");
        conf.append("max_connections = 20\n");
        settings.forEach((name, value) -> conf.append(name).append(" = '").append(value.replace("'", "''")).append("'\n"));
        Files.writeString(dataDirectory.resolve("postgresql.conf"), conf.toString(), java.nio.file.StandardOpenOption.APPEND);
    }

    public void start()
            throws Exception
    {
        run(List.of(BIN.resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-l", dataDirectory.resolve("server.log").toString(),
                "-w", "-t", "120", "start"), environment, Duration.ofSeconds(150));
        running = true;
    }

    public void stop()
            throws Exception
    {
        if (running) {
            running = false;
            run(List.of(BIN.resolve("pg_ctl").toString(), "-D", dataDirectory.toString(), "-m", "fast", "-w", "-t", "60", "stop"), environment, Duration.ofSeconds(90));
        }
    }

    public Path dataDirectory()
    {
        return dataDirectory;
    }

    public int port()
    {
        return port;
    }

    public Connection connect()
            throws SQLException
    {
        Properties properties = new Properties();
        properties.setProperty("user", user());
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", properties);
    }

    public void execute(String sql)
            throws SQLException
    {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    public String queryString(String sql)
            throws SQLException
    {
        try (Connection connection = connect(); Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Waits (bounded) until the server accepts connections and answers the query with the expected value. */
    public void awaitQuery(String sql, String expected, Duration timeout)
            throws Exception
    {
        Instant deadline = Instant.now().plus(timeout);
        String last = null;
        Exception error = null;
        while (Instant.now().isBefore(deadline)) {
            try {
                last = queryString(sql);
                if (expected.equals(last)) {
                    return;
                }
            }
            catch (SQLException e) {
                error = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("'" + sql + "' did not return " + expected + " within " + timeout + " (last " + last + ", error " + error + ")\n" + log());
    }

    public String log()
    {
        try {
            return Files.readString(dataDirectory.resolve("server.log"));
        }
        catch (IOException e) {
            return "(no server.log)";
        }
    }

    public static String user()
    {
        return System.getProperty("user.name");
    }

    private static void run(List<String> command, Map<String, String> environment, Duration timeout)
            throws Exception
    {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        byte[] output;
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command.get(0) + " did not finish within " + timeout);
            }
            output = process.getInputStream().readAllBytes();
        }
        finally {
            process.destroyForcibly();
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed with " + process.exitValue() + ": " + new String(output));
        }
    }

    @Override
    public void close()
            throws Exception
    {
        stop();
    }
}
