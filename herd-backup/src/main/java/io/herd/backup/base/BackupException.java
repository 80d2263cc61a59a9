package io.herd.backup.base;

import java.io.IOException;

/** A backup or restore that cannot complete; the message is one line for the operator. */
public class BackupException
        extends IOException
{
    public BackupException(String message)
    {
        super(message);
    }

    public BackupException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
