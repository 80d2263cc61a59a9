package io.herd.etcd;

import static java.util.Objects.requireNonNull;

/** One key's value as etcd stores it, with what compare-and-swap and the leader logic need. */
record EtcdValue(String value, long modRevision, long lease)
{
    EtcdValue
    {
        requireNonNull(value, "value is null");
    }
}
