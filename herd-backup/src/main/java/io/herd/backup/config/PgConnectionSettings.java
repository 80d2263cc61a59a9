package io.herd.backup.config;

import java.util.Optional;
import java.util.Properties;

import static java.util.Objects.requireNonNull;

/** How backup-push reaches PostgreSQL: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE. */
public record PgConnectionSettings(String host, int port, String user, Optional<String> password, String database)
{
    public PgConnectionSettings
    {
        requireNonNull(host, "host is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        requireNonNull(database, "database is null");
    }

    public static PgConnectionSettings fromEnv(Env env)
    {
        String host = env.get("PGHOST").orElse("localhost");
        if (host.startsWith("/")) {
            // a socket directory; the JDBC driver speaks TCP only, so use the loopback interface
            host = "localhost";
        }
        int port = env.positiveInt("PGPORT", 5432);
        if (port > 65535) {
            throw InvalidSettingException.invalid("PGPORT", String.valueOf(port), "a TCP port between 1 and 65535");
        }
        String user = env.get("PGUSER").orElse(System.getProperty("user.name", "postgres"));
        String database = env.get("PGDATABASE").orElse("postgres");
        return new PgConnectionSettings(host, port, user, env.get("PGPASSWORD"), database);
    }

    public String jdbcUrl()
    {
        String hostPart = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return "jdbc:postgresql://" + hostPart + ":" + port + "/" + database;
    }

    public Properties properties()
    {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        password.ifPresent(value -> properties.setProperty("password", value));
        properties.setProperty("ApplicationName", "herd backup-push");
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("tcpKeepAlive", "true");
        return properties;
    }

    @Override
    public String toString()
    {
        return "PgConnectionSettings[" + user + "@" + host + ":" + port + "/" + database + "]";
    }
}
