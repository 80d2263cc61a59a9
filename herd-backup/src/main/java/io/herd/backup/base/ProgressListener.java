package io.herd.backup.base;

/**
 * Receives progress of long work (backup-push: bytes of data files read; backup-fetch: bytes of tars downloaded;
 * delete: objects removed). {@link #advance} may be called from several threads at once.
 */
public interface ProgressListener
{
    ProgressListener NONE = new ProgressListener()
    {
        @Override
        public void start(long total) {}

        @Override
        public void advance(long amount) {}
    };

    /** The total amount of work, called once before the first {@link #advance}. */
    void start(long total);

    void advance(long amount);
}
