package io.herd.core.ha;

import io.herd.core.cluster.Member;

import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * What one HA cycle decided to do. Executors carry these out; tests assert on the type.
 * Each action says why in {@link #reason()}; that text is for logs, never for tests.
 */
public sealed interface HaAction
{
    String reason();

    /** Nothing to change this cycle. */
    record Wait(String reason)
            implements HaAction
    {
        public Wait
        {
            requireNonNull(reason, "reason is null");
        }
    }

    /** The configuration or the data are unusable: stop the agent with this message. */
    record Fail(String reason)
            implements HaAction
    {
        public Fail
        {
            requireNonNull(reason, "reason is null");
        }
    }

    /** No cluster exists yet: race for {@code initialize}; the winner runs initdb and takes the leader key. */
    record BootstrapCluster(String reason)
            implements HaAction
    {
        public BootstrapCluster
        {
            requireNonNull(reason, "reason is null");
        }
    }

    /**
     * Data directory empty: create a replica from {@code source}, or, when there is none, with a replica method that
     * needs no running source (a restore from backups).
     */
    record CloneReplica(Optional<Member> source, String reason)
            implements HaAction
    {
        public CloneReplica
        {
            requireNonNull(source, "source is null");
            requireNonNull(reason, "reason is null");
        }
    }

    /** The data exist but {@code initialize} does not: publish our system identifier (adopt the existing cluster). */
    record AdoptCluster(String systemIdentifier, String reason)
            implements HaAction
    {
        public AdoptCluster
        {
            requireNonNull(systemIdentifier, "systemIdentifier is null");
            requireNonNull(reason, "reason is null");
        }
    }

    /**
     * We hold the leader key: renew it, then make sure PostgreSQL runs as primary (promote a replica, start a
     * stopped primary). If renewal fails the executor demotes.
     */
    record LeadCluster(boolean promote, boolean start, String reason)
            implements HaAction
    {
        public LeadCluster
        {
            requireNonNull(reason, "reason is null");
        }
    }

    /** Race for the free leader key; promote on winning, follow the winner otherwise. */
    record AcquireLeadership(String reason)
            implements HaAction
    {
        public AcquireLeadership
        {
            requireNonNull(reason, "reason is null");
        }
    }

    /**
     * Run as a replica of {@code leader} (empty: of nobody, read-only, until a leader appears). Starts a stopped
     * PostgreSQL, repoints a running one, and rewinds or re-clones when its history diverged.
     */
    record Follow(Optional<Member> leader, String reason)
            implements HaAction
    {
        public Follow
        {
            requireNonNull(leader, "leader is null");
            requireNonNull(reason, "reason is null");
        }
    }

    /** Running as primary without the leader key: stop taking writes at once, then follow {@code leader}. */
    record Demote(Optional<Member> leader, String reason)
            implements HaAction
    {
        public Demote
        {
            requireNonNull(leader, "leader is null");
            requireNonNull(reason, "reason is null");
        }
    }

    /** Give the leader key up (PostgreSQL cannot be brought up as primary in time, or a switchover was asked). */
    record ReleaseLeadership(boolean stopFirst, String reason)
            implements HaAction
    {
        public ReleaseLeadership
        {
            requireNonNull(reason, "reason is null");
        }
    }
}
