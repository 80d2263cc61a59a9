package io.herd.postgres;

/** What a running PostgreSQL needs after {@link PostgresServer#writeConfiguration} rewrote its files. */
public enum ConfigurationChange
{
    /** The files are as they were. */
    NONE,
    /** Only reloadable settings changed: {@link PostgresServer#reload()} applies them. */
    RELOAD,
    /** A setting that needs a restart changed, or the role changed (standby.signal added or removed). */
    RESTART,
}
