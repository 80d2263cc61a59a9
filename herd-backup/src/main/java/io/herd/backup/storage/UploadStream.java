package io.herd.backup.storage;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A streaming upload: bytes written become the object only when {@link #close()} succeeds.
 * After a failure call {@link #abort()} (before any close) so that no partial object is left behind; a failed
 * write aborts by itself, and close after abort does nothing.
 */
public abstract class UploadStream
        extends OutputStream
{
    /** Discards everything written; safe to call more than once and after close. */
    public abstract void abort();

    @Override
    public void write(int b)
            throws IOException
    {
        write(new byte[] {(byte) b}, 0, 1);
    }
}
