package io.herd.agent;

import io.herd.core.config.ConfigLoader;
import io.herd.core.config.HerdConfig;

import java.util.Map;

/** The smallest valid agent configuration, for tests that care about one section of it. */
public final class MinimalConfigs
{
    private MinimalConfigs() {}

    /** postgresqlExtra: more lines of the postgresql section, indented by two spaces like its other keys. */
    public static HerdConfig withPostgresql(String scope, String postgresqlExtra)
    {
        return new ConfigLoader(Map.of()).parseString("""
                scope: %s
                name: n
                restapi: {listen: 127.0.0.1:8008}
                etcd3: {hosts: 127.0.0.1:2379}
                postgresql:
                  listen: 127.0.0.1:5432
                  data_dir: /tmp/x
                  authentication:
                    superuser: {username: postgres, password: a}
                    replication: {username: replicator, password: b}
                %s""".formatted(scope, postgresqlExtra));
    }
}
