package io.herd.etcd;

import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.grpc.Status;
import io.herd.core.dcs.DcsException;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static java.util.Objects.requireNonNull;

/**
 * Runs etcd calls under one deadline per DCS operation. A call refused with UNAVAILABLE (request not sent) is
 * retried until the deadline; anything else becomes a {@link DcsException} naming the endpoints.
 */
final class EtcdCalls
{
    private static final long RETRY_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    private final String endpoints;
    private final Duration timeout;

    EtcdCalls(String endpoints, Duration timeout)
    {
        this.endpoints = requireNonNull(endpoints, "endpoints is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
    }

    Deadline deadline()
    {
        return new Deadline(System.nanoTime() + timeout.toNanos());
    }

    String endpoints()
    {
        return endpoints;
    }

    <T> T call(Deadline deadline, String what, Supplier<CompletableFuture<T>> call)
    {
        while (true) {
            CompletableFuture<T> future = call.get();
            try {
                return future.get(Math.max(deadline.remainingNanos(), 1), TimeUnit.NANOSECONDS);
            }
            catch (TimeoutException e) {
                future.cancel(true);
                throw new DcsException(what + ": etcd at " + endpoints + " did not answer within " + timeout);
            }
            catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (isUnavailable(cause) && deadline.remainingNanos() > RETRY_PAUSE_NANOS) {
                    sleepNanos(RETRY_PAUSE_NANOS);
                    continue;
                }
                throw new DcsException(what + ": etcd at " + endpoints + " failed: " + describe(cause), cause);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                future.cancel(true);
                throw new DcsException(what + ": interrupted while waiting for etcd at " + endpoints, e);
            }
        }
    }

    static boolean isUnavailable(Throwable t)
    {
        if (t instanceof EtcdException etcd && etcd.getErrorCode() == ErrorCode.UNAVAILABLE) {
            return true;
        }
        return Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE;
    }

    /** etcd answers "etcdserver: requested lease not found" when a put names a lease that expired or was revoked. */
    static boolean isLeaseNotFound(Throwable t)
    {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("lease not found")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable t)
    {
        return t == null ? "unknown error" : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static void sleepNanos(long nanos)
    {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DcsException("interrupted while retrying etcd", e);
        }
    }

    record Deadline(long nanoTime)
    {
        long remainingNanos()
        {
            return nanoTime - System.nanoTime();
        }
    }
}
