package io.herd.backup.base;

import io.herd.backup.config.PgConnectionSettings;
import io.herd.backup.wal.WalSegment;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/**
 * One JDBC session running PostgreSQL's non-exclusive backup API: pg_backup_start/pg_backup_stop on PG 15+,
 * pg_start_backup/pg_stop_backup(false) before. The backup is aborted by the server if the session ends early.
 */
public final class PgBackupSession
        implements AutoCloseable
{
    private static final Pattern START_LINE = Pattern.compile("START WAL LOCATION: ([0-9A-F]+/[0-9A-F]+) \\(file ([0-9A-F]{24})\\)");

    private final Connection connection;
    private final ServerInfo server;

    public record ServerInfo(int versionNum, Optional<Long> systemIdentifier, String dataDirectory, boolean inRecovery, long walSegmentSize)
    {
        public ServerInfo
        {
            requireNonNull(systemIdentifier, "systemIdentifier is null");
            requireNonNull(dataDirectory, "dataDirectory is null");
        }
    }

    public record StartPoint(long lsn, long timeline, String walFileName) {}

    public record StopPoint(long lsn, String labelFile, String tablespaceMap)
    {
        /** The WAL file name printed in backup_label's START WAL LOCATION line. */
        public Optional<String> labelStartWalFile()
        {
            Matcher matcher = START_LINE.matcher(labelFile);
            return matcher.find() ? Optional.of(matcher.group(2)) : Optional.empty();
        }
    }

    private PgBackupSession(Connection connection, ServerInfo server)
    {
        this.connection = connection;
        this.server = server;
    }

    public static PgBackupSession connect(PgConnectionSettings settings)
            throws BackupException
    {
        Connection connection;
        try {
            connection = DriverManager.getConnection(settings.jdbcUrl(), settings.properties());
        }
        catch (SQLException e) {
            throw new BackupException("cannot connect to PostgreSQL at " + settings.host() + ":" + settings.port() + " as " + settings.user()
                    + " (PGHOST/PGPORT/PGUSER/PGPASSWORD): " + firstLine(e.getMessage()), e);
        }
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT current_setting('server_version_num')::int, "
                        + "(SELECT system_identifier FROM pg_control_system()), current_setting('data_directory'), pg_is_in_recovery(), "
                        + "(SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size')")) {
            rs.next();
            long systemIdentifier = rs.getLong(2);
            ServerInfo info = new ServerInfo(rs.getInt(1), rs.wasNull() ? Optional.empty() : Optional.of(systemIdentifier), rs.getString(3), rs.getBoolean(4), rs.getLong(5));
            return new PgBackupSession(connection, info);
        }
        catch (SQLException e) {
            closeQuietly(connection);
            throw new BackupException("cannot read server settings: " + firstLine(e.getMessage()), e);
        }
    }

    public ServerInfo server()
    {
        return server;
    }

    public StartPoint start(String label)
            throws BackupException
    {
        String sql = server.versionNum() >= 150000 ? "SELECT pg_backup_start(?, true)::text" : "SELECT pg_start_backup(?, true, false)::text";
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, label);
            long lsn;
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                lsn = WalSegment.parseLsn(rs.getString(1));
            }
            long timeline = timeline();
            WalSegment segment = WalSegment.ofLsn(timeline, lsn, server.walSegmentSize());
            return new StartPoint(lsn, timeline, segment.name());
        }
        catch (SQLException e) {
            throw new BackupException("pg_backup_start failed: " + firstLine(e.getMessage()), e);
        }
    }

    public StopPoint stop()
            throws BackupException
    {
        // wait_for_archive=false: herd checks the archive itself with a deadline instead of waiting without one
        String sql = server.versionNum() >= 150000
                ? "SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)"
                : "SELECT lsn::text, labelfile, spcmapfile FROM pg_stop_backup(false, false)";
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            String tablespaceMap = rs.getString(3);
            return new StopPoint(WalSegment.parseLsn(rs.getString(1)), rs.getString(2), tablespaceMap == null ? "" : tablespaceMap);
        }
        catch (SQLException e) {
            throw new BackupException("pg_backup_stop failed: " + firstLine(e.getMessage()), e);
        }
    }

    private long timeline()
            throws SQLException
    {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT timeline_id FROM pg_control_checkpoint()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close()
    {
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection connection)
    {
        try {
            connection.close();
        }
        catch (SQLException ignored) {
            // the server aborts the backup when the session goes away
        }
    }

    static String firstLine(String message)
    {
        if (message == null) {
            return "";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
