package io.herd.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/**
 * SQL access to one PostgreSQL over TCP with short timeouts: a connection (cached by {@link PostgresServer}) or
 * a one-off connection to another member.
 */
final class PostgresSql
        implements AutoCloseable
{
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);

    private final Connection connection;

    private PostgresSql(Connection connection)
    {
        this.connection = connection;
    }

    static PostgresSql connect(String host, int port, Credentials credentials, Duration socketTimeout)
            throws SQLException
    {
        Properties properties = new Properties();
        properties.setProperty("user", credentials.username());
        credentials.password().ifPresent(password -> properties.setProperty("password", password));
        properties.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        properties.setProperty("loginTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
        properties.setProperty("socketTimeout", Long.toString(Math.max(1, socketTimeout.toSeconds())));
        properties.setProperty("ApplicationName", "herd");
        properties.setProperty("tcpKeepAlive", "true");
        String hostPart = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return new PostgresSql(DriverManager.getConnection("jdbc:postgresql://" + hostPart + ":" + port + "/postgres", properties));
    }

    boolean isValid()
    {
        try {
            return !connection.isClosed() && connection.isValid(1);
        }
        catch (SQLException e) {
            return false;
        }
    }

    PostgresStatus status()
            throws SQLException
    {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("""
                        SELECT pg_is_in_recovery(), current_setting('server_version_num')::int, pg_postmaster_start_time(),
                               (SELECT system_identifier FROM pg_control_system())::text,
                               CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_flush_lsn()::text END,
                               CASE WHEN pg_is_in_recovery() THEN NULL
                                    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,
                               pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text,
                               pg_last_xact_replay_timestamp(),
                               CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() ELSE false END,
                               (SELECT status FROM pg_stat_wal_receiver), (SELECT received_tli FROM pg_stat_wal_receiver),
                               (SELECT timeline_id FROM pg_control_checkpoint()),
                               (SELECT coalesce(bool_or(pending_restart), false) FROM pg_settings)
                        """)) {
            row.next();
            boolean inRecovery = row.getBoolean(1);
            OptionalLong receive = lsn(row.getString(7));
            OptionalLong replay = lsn(row.getString(8));
            int timeline;
            long walPosition;
            Optional<String> replicationState;
            if (inRecovery) {
                int receivedTimeline = row.getInt(12);
                timeline = row.wasNull() || receivedTimeline == 0 ? row.getInt(13) : receivedTimeline;
                walPosition = Math.max(receive.orElse(0), replay.orElse(0));
                replicationState = Optional.of("streaming".equals(row.getString(11)) ? PostgresStatus.STREAMING : PostgresStatus.IN_ARCHIVE_RECOVERY);
            }
            else {
                timeline = row.getInt(6);
                walPosition = Lsn.parse(row.getString(5));
                replicationState = Optional.empty();
            }
            Timestamp replayTimestamp = row.getTimestamp(9);
            return new PostgresStatus(
                    inRecovery,
                    row.getInt(2),
                    Long.parseUnsignedLong(row.getString(4)),
                    row.getTimestamp(3).toInstant(),
                    timeline,
                    walPosition,
                    inRecovery ? receive : OptionalLong.empty(),
                    inRecovery ? replay : OptionalLong.empty(),
                    Optional.ofNullable(replayTimestamp).map(Timestamp::toInstant),
                    row.getBoolean(10),
                    replicationState,
                    replicas(),
                    row.getBoolean(14));
        }
    }

    private List<PostgresStatus.ReplicationConnection> replicas()
            throws SQLException
    {
        List<PostgresStatus.ReplicationConnection> replicas = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("""
                        SELECT usename, application_name, host(client_addr), state, sync_state, sync_priority,
                               flush_lsn::text, replay_lsn::text
                        FROM pg_stat_replication ORDER BY application_name
                        """)) {
            while (row.next()) {
                replicas.add(new PostgresStatus.ReplicationConnection(
                        String.valueOf(row.getString(1)),
                        String.valueOf(row.getString(2)),
                        Optional.ofNullable(row.getString(3)),
                        String.valueOf(row.getString(4)),
                        String.valueOf(row.getString(5)),
                        row.getInt(6),
                        lsn(row.getString(7)),
                        lsn(row.getString(8))));
            }
        }
        return replicas;
    }

    /**
     * Runs {@code format(template, identifier, literal)} on the server and executes the result, so identifiers and
     * literals (passwords) are quoted by PostgreSQL itself; statement logging is off for the transaction so a
     * password never reaches the server log.
     */
    void executeFormatted(String template, String... arguments)
            throws SQLException
    {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET LOCAL log_statement = 'none'");
                statement.execute("SET LOCAL log_min_duration_statement = -1");
            }
            String sql;
            StringBuilder call = new StringBuilder("SELECT format(?");
            for (int i = 0; i < arguments.length; i++) {
                call.append(", ?");
            }
            call.append(")");
            try (PreparedStatement format = connection.prepareStatement(call.toString())) {
                format.setString(1, template);
                for (int i = 0; i < arguments.length; i++) {
                    format.setString(i + 2, arguments[i]);
                }
                try (ResultSet row = format.executeQuery()) {
                    row.next();
                    sql = row.getString(1);
                }
            }
            try (Statement statement = connection.createStatement()) {
                statement.execute(sql);
            }
            connection.commit();
        }
        catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        }
        finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    void execute(String sql)
            throws SQLException
    {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    boolean exists(String sql, String argument)
            throws SQLException
    {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, argument);
            try (ResultSet row = statement.executeQuery()) {
                return row.next();
            }
        }
    }

    /** Physical slots: name and whether a WAL sender uses it. */
    List<Slot> physicalSlots()
            throws SQLException
    {
        List<Slot> slots = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT slot_name, active FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY slot_name")) {
            while (row.next()) {
                slots.add(new Slot(row.getString(1), row.getBoolean(2)));
            }
        }
        return slots;
    }

    record Slot(String name, boolean active) {}

    void createPhysicalSlot(String name)
            throws SQLException
    {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
            statement.setString(1, name);
            statement.execute();
        }
    }

    void dropSlot(String name)
            throws SQLException
    {
        try (PreparedStatement statement = connection.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
            statement.setString(1, name);
            statement.execute();
        }
    }

    /** The timeline the server writes (a primary) or last checkpointed (a standby). */
    int currentTimeline()
            throws SQLException
    {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("""
                        SELECT CASE WHEN pg_is_in_recovery() THEN (SELECT timeline_id FROM pg_control_checkpoint())
                                    ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END
                        """)) {
            row.next();
            return row.getInt(1);
        }
    }

    /** The timeline of the server's last checkpoint, the one pg_control (and so pg_rewind) reports. */
    int checkpointTimeline()
            throws SQLException
    {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT timeline_id FROM pg_control_checkpoint()")) {
            row.next();
            return row.getInt(1);
        }
    }

    void checkpoint()
            throws SQLException
    {
        try (Statement statement = connection.createStatement()) {
            statement.execute("CHECKPOINT");
        }
    }

    /** The content of {@code pg_wal/<file>} on the server, empty when absent (needs EXECUTE on pg_read_binary_file). */
    Optional<String> readWalDirectoryFile(String file)
            throws SQLException
    {
        try (PreparedStatement statement = connection.prepareStatement("SELECT convert_from(pg_read_binary_file(?, 0, 16777216, true), 'UTF8')")) {
            statement.setString(1, "pg_wal/" + file);
            try (ResultSet row = statement.executeQuery()) {
                row.next();
                return Optional.ofNullable(row.getString(1));
            }
        }
    }

    private static OptionalLong lsn(String text)
    {
        return text == null ? OptionalLong.empty() : OptionalLong.of(Lsn.parse(text));
    }

    @Override
    public void close()
    {
        try {
            connection.close();
        }
        catch (SQLException ignored) {
            // closing a broken connection
        }
    }

    static PostgresSql requireOpen(PostgresSql sql)
    {
        return requireNonNull(sql, "no connection");
    }
}
