package io.herd.postgres;

import static java.util.Objects.requireNonNull;

/** What is in the data directory, as far as deciding between initdb, clone and start goes. */
public record DataDirectoryState(Kind kind, String reason)
{
    public enum Kind
    {
        /** The directory does not exist. */
        MISSING,
        /** It exists and holds no files. */
        EMPTY,
        /** It holds a cluster with PG_VERSION 15 and a readable pg_control. */
        INITIALIZED,
        /** It holds something else; {@link #reason()} says what is wrong. */
        INVALID,
    }

    public DataDirectoryState
    {
        requireNonNull(kind, "kind is null");
        requireNonNull(reason, "reason is null");
    }

    public boolean isInitialized()
    {
        return kind == Kind.INITIALIZED;
    }
}
