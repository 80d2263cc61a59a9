package io.herd.backup.storage;

import java.io.IOException;

/** A storage failure whose message is one line fit for an operator (bucket missing, credentials refused, ...). */
public class StorageException
        extends IOException
{
    public StorageException(String message)
    {
        super(message);
    }

    public StorageException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
