package io.herd.backup.wal;

import java.io.IOException;

/** An archived object failed its checksum, size or decompression check. */
public class CorruptObjectException
        extends IOException
{
    public CorruptObjectException(String message)
    {
        super(message);
    }

    public CorruptObjectException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
