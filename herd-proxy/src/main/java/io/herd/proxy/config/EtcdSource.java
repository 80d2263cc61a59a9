package io.herd.proxy.config;

import io.herd.core.config.EtcdConfig;
import io.herd.core.dcs.DcsKeys;

import static java.util.Objects.requireNonNull;

/** The cluster to watch in etcd: the agent's own {@code etcd3}, {@code scope} and {@code namespace} settings. */
public record EtcdSource(EtcdConfig etcd, DcsKeys keys)
{
    public EtcdSource
    {
        requireNonNull(etcd, "etcd is null");
        requireNonNull(keys, "keys is null");
    }
}
