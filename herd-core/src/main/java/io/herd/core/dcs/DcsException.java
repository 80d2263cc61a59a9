package io.herd.core.dcs;

/** The store could not be reached, or did not answer, within the retry timeout. */
public class DcsException
        extends RuntimeException
{
    public DcsException(String message)
    {
        super(message);
    }

    public DcsException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
