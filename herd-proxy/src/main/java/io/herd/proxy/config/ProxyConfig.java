package io.herd.proxy.config;

import io.herd.core.cluster.HostPort;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * Everything {@code herd proxy} needs: where to listen, where the members are (a static list, etcd, or both),
 * how to check them, and where to serve {@code /metrics} and {@code /status}.
 */
public record ProxyConfig(
        List<ListenerConfig> listeners,
        List<BackendConfig> backends,
        Optional<EtcdSource> etcd,
        HealthCheckConfig healthCheck,
        Optional<HostPort> http,
        Duration shutdownTimeout)
{
    public ProxyConfig
    {
        listeners = List.copyOf(requireNonNull(listeners, "listeners is null"));
        backends = List.copyOf(requireNonNull(backends, "backends is null"));
        requireNonNull(etcd, "etcd is null");
        requireNonNull(healthCheck, "healthCheck is null");
        requireNonNull(http, "http is null");
        requireNonNull(shutdownTimeout, "shutdownTimeout is null");
        if (listeners.isEmpty()) {
            throw new IllegalArgumentException("no listeners");
        }
        if (backends.isEmpty() && etcd.isEmpty()) {
            throw new IllegalArgumentException("neither static backends nor etcd");
        }
    }
}
