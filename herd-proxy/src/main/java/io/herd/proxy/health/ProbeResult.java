package io.herd.proxy.health;

/** One health probe's outcome; refused and timed-out are told apart because they mean different failures. */
public enum ProbeResult
{
    /** HTTP 200. */
    PASS,
    /** Any other HTTP status: the node answered and said no. */
    FAIL,
    /** Nothing listens: the agent (or its host) is down. */
    REFUSED,
    /** No answer within the timeout: the host or network is stalled. */
    TIMEOUT,
    /** Anything else: reset, garbage, DNS failure. */
    ERROR;

    public boolean passed()
    {
        return this == PASS;
    }
}
