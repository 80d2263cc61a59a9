package io.herd.core.ha;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * What this node knows about its own PostgreSQL at the start of a cycle.
 *
 * @param walPosition primary: flush LSN; replica: max(received, replayed); empty when unknown
 * @param crashedFor how long PostgreSQL has been down since it stopped without being asked to
 */
public record LocalState(
        DataDirectory dataDirectory,
        Running running,
        Role role,
        OptionalLong walPosition,
        OptionalInt timeline,
        Optional<String> systemIdentifier,
        boolean taskInProgress,
        Optional<Duration> crashedFor)
{
    public LocalState
    {
        requireNonNull(dataDirectory, "dataDirectory is null");
        requireNonNull(running, "running is null");
        requireNonNull(role, "role is null");
        requireNonNull(walPosition, "walPosition is null");
        requireNonNull(timeline, "timeline is null");
        requireNonNull(systemIdentifier, "systemIdentifier is null");
        requireNonNull(crashedFor, "crashedFor is null");
    }

    public enum DataDirectory
    {
        /** Missing or empty: this node has never been part of the cluster, or was wiped. */
        EMPTY,
        INITIALIZED,
    }

    public enum Running
    {
        RUNNING,
        /** Started and recovering, not yet accepting connections. */
        STARTING,
        STOPPED,
        /** Exited without being asked to. */
        CRASHED,
    }

    /** The role PostgreSQL runs in, or, when it is down, the role its control file says it last had. */
    public enum Role
    {
        PRIMARY,
        REPLICA,
        UNKNOWN,
    }

    public boolean isRunning()
    {
        return running == Running.RUNNING;
    }

    public boolean isRunningPrimary()
    {
        return running == Running.RUNNING && role == Role.PRIMARY;
    }
}
