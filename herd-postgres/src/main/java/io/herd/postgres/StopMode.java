package io.herd.postgres;

/** Shutdown modes of {@code pg_ctl stop -m}. */
public enum StopMode
{
    /** Waits for clients to disconnect. */
    SMART("smart"),
    /** Disconnects clients, writes a shutdown checkpoint: the usual clean stop. */
    FAST("fast"),
    /** Stops at once without a checkpoint; the next start runs crash recovery. */
    IMMEDIATE("immediate");

    private final String pgCtlName;

    StopMode(String pgCtlName)
    {
        this.pgCtlName = pgCtlName;
    }

    public String pgCtlName()
    {
        return pgCtlName;
    }
}
