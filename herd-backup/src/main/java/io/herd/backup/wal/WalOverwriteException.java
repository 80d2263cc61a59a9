package io.herd.backup.wal;

import java.io.IOException;

/** wal-push found the file already archived with different content and overwriting is not allowed. */
public class WalOverwriteException
        extends IOException
{
    public WalOverwriteException(String message)
    {
        super(message);
    }
}
