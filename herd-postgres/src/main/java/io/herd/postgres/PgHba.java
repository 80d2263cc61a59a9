package io.herd.postgres;

import java.util.List;

/** pg_hba.conf content. */
public final class PgHba
{
    private PgHba() {}

    /**
     * The rules used when none are configured: local trust, passwords (md5, which also accepts SCRAM secrets) over
     * TCP for normal connections and for the replication role's streaming.
     */
    public static List<String> defaults(String replicationUser)
    {
        String user = replicationUser.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_') ? replicationUser : "\"" + replicationUser.replace("\"", "\"\"") + "\"";
        return List.of(
                "local all all trust",
                "local replication all trust",
                "host all all 127.0.0.1/32 md5",
                "host replication " + user + " 127.0.0.1/32 md5",
                "host all all 0.0.0.0/0 md5",
                "host replication " + user + " 0.0.0.0/0 md5",
                "host all all ::/0 md5",
                "host replication " + user + " ::/0 md5");
    }
}
