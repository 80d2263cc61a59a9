package io.herd.backup.base;

import java.io.IOException;

public class BackupNotFoundException
        extends IOException
{
    public BackupNotFoundException(String message)
    {
        super(message);
    }
}
