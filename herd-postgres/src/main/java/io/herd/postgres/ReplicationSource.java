package io.herd.postgres;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * A server to stream, clone or rewind from.
 *
 * @param user for streaming and cloning the replication role; for {@link PostgresServer#rewind} and
 *         {@link PostgresServer#needsRewind} the rewind role or a superuser
 * @param applicationName the {@code application_name} this member shows in the source's pg_stat_replication (its member name)
 * @param slotName the physical slot on the source to stream from
 */
public record ReplicationSource(String host, int port, String user, Optional<String> password, String applicationName, Optional<String> slotName)
{
    public ReplicationSource
    {
        requireNonNull(host, "host is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        requireNonNull(applicationName, "applicationName is null");
        requireNonNull(slotName, "slotName is null");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** The same source reached as another role (e.g. the rewind role instead of the replication role). */
    public ReplicationSource withCredentials(Credentials credentials)
    {
        return new ReplicationSource(host, port, credentials.username(), credentials.password(), applicationName, slotName);
    }

    /**
     * A libpq connection string without the password (that goes into a pgpass file).
     *
     * @param database {@code postgres} for SQL connections, or {@code replication}-less ones; pass the database to connect to
     */
    String conninfo(String database)
    {
        return "host=" + Conninfo.quote(host) + " port=" + port + " user=" + Conninfo.quote(user)
                + " dbname=" + Conninfo.quote(database) + " application_name=" + Conninfo.quote(applicationName);
    }

    @Override
    public String toString()
    {
        return user + "@" + host + ":" + port + slotName.map(slot -> " slot " + slot).orElse("");
    }
}
