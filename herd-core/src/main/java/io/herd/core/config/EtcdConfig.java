package io.herd.core.config;

import io.herd.core.cluster.HostPort;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code etcd3} section: where etcd is and how to authenticate to it.
 *
 * @param protocol {@code http} or {@code https}
 */
public record EtcdConfig(
        List<HostPort> hosts,
        String protocol,
        Optional<Path> cacert,
        Optional<Path> cert,
        Optional<Path> key,
        Optional<String> username,
        Optional<String> password)
{
    public EtcdConfig
    {
        hosts = List.copyOf(requireNonNull(hosts, "hosts is null"));
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("etcd3.hosts is empty");
        }
        requireNonNull(protocol, "protocol is null");
        if (!protocol.equals("http") && !protocol.equals("https")) {
            throw new IllegalArgumentException("etcd3.protocol is '" + protocol + "', expected http or https");
        }
        requireNonNull(cacert, "cacert is null");
        requireNonNull(cert, "cert is null");
        requireNonNull(key, "key is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        if (cert.isPresent() != key.isPresent()) {
            throw new IllegalArgumentException("etcd3.cert and etcd3.key must be given together");
        }
    }

    public static EtcdConfig plain(List<HostPort> hosts)
    {
        return new EtcdConfig(hosts, "http", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    public List<URI> endpoints()
    {
        return hosts.stream().map(h -> URI.create(protocol + "://" + h)).toList();
    }

    @Override
    public String toString()
    {
        // never print the password
        return "EtcdConfig{hosts=" + hosts + ", protocol=" + protocol + ", cacert=" + cacert + ", cert=" + cert
                + ", key=" + key + ", username=" + username + ", password=" + password.map(p -> "***") + "}";
    }
}
