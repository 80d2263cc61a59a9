package io.herd.agent.ha;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs one long task at a time (clone, rewind) off the HA loop, so the loop keeps renewing the lease and publishing
 * the member while it runs. The loop reads {@link #running()} and is woken when a task ends.
 */
public final class TaskRunner
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "herd-task");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicReference<String> current = new AtomicReference<>();
    private final Runnable onDone;

    public TaskRunner(Runnable onDone)
    {
        this.onDone = onDone;
    }

    public boolean submit(String name, Runnable task)
    {
        if (!current.compareAndSet(null, name)) {
            return false;
        }
        executor.execute(() -> {
            try {
                task.run();
            }
            catch (Throwable e) {
                log.error("{} failed: {}", name, e.getMessage(), e);
            }
            finally {
                current.set(null);
                onDone.run();
            }
        });
        return true;
    }

    public Optional<String> running()
    {
        return Optional.ofNullable(current.get());
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
