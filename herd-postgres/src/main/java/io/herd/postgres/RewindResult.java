package io.herd.postgres;

import static java.util.Objects.requireNonNull;

/** Outcome of pg_rewind; on failure {@link #outputTail()} holds the last lines pg_rewind printed. */
public record RewindResult(boolean succeeded, String outputTail)
{
    public RewindResult
    {
        requireNonNull(outputTail, "outputTail is null");
    }
}
