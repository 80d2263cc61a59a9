package io.herd.backup.cli;

/** Exit codes; restore_command needs "not found" (74, as WAL-G) told apart from real errors. */
public final class ExitCodes
{
    public static final int OK = 0;
    public static final int ERROR = 1;
    /** EX_IOERR: the requested WAL file or backup is not in the archive. PostgreSQL ends archive recovery there. */
    public static final int NOT_FOUND = 74;
    /**
     * wal-fetch failed for another reason (storage unreachable, corrupt object, bad settings). Above 125, so PostgreSQL
     * aborts recovery instead of treating the file as missing and promoting early.
     */
    public static final int FETCH_FAILED = 126;

    private ExitCodes() {}
}
