package io.herd.postgres;

/** The role {@link PostgresServer#writeConfiguration} configures PostgreSQL for. */
public enum ServerRole
{
    /** Accepts writes: no standby.signal, no primary_conninfo. */
    PRIMARY,
    /** Hot standby: standby.signal, streams from a {@link ReplicationSource} when one is given. */
    REPLICA,
}
