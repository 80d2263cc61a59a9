package io.herd.core.cluster;

import static java.util.Objects.requireNonNull;

/**
 * The holder of the {@code leader} key: a plain member name bound to the holder's lease.
 *
 * @param lease the etcd lease id the key is attached to (0 when unknown or none)
 */
public record Leader(String name, long lease, long modRevision)
{
    public Leader
    {
        requireNonNull(name, "name is null");
    }
}
