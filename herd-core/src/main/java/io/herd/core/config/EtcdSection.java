package io.herd.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.herd.core.cluster.HostPort;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Parses the {@code etcd3} section: {@code host}, {@code hosts} (list or comma-separated), {@code url}, TLS and auth. */
final class EtcdSection
{
    private EtcdSection() {}

    static EtcdConfig parse(JsonNode root, ConfigLoader.Problems problems)
    {
        JsonNode etcd = root.path("etcd3");
        if (etcd.isMissingNode() || etcd.isNull()) {
            if (root.has("etcd")) {
                problems.add("etcd: Herd talks to etcd through the v3 API only; rename the section to etcd3 (keys written through the v2 API are not visible to v3)");
            }
            else {
                problems.add("etcd3: missing; expected a mapping with host or hosts, e.g. {hosts: [127.0.0.1:2379]}");
            }
            return EtcdConfig.plain(List.of(new HostPort("127.0.0.1", 2379)));
        }
        if (!etcd.isObject()) {
            problems.add("etcd3 is '" + etcd.asText() + "', expected a mapping with host or hosts");
            return EtcdConfig.plain(List.of(new HostPort("127.0.0.1", 2379)));
        }
        String protocol = etcd.has("protocol") ? etcd.get("protocol").asText().trim().toLowerCase(java.util.Locale.ROOT) : null;
        List<HostPort> hosts = new ArrayList<>();
        List<String> entries = new ArrayList<>();
        if (etcd.has("hosts")) {
            JsonNode value = etcd.get("hosts");
            if (value.isArray()) {
                value.forEach(item -> entries.add(item.asText()));
            }
            else {
                for (String part : value.asText().split(",")) {
                    entries.add(part);
                }
            }
        }
        else if (etcd.has("host")) {
            entries.add(etcd.get("host").asText());
        }
        else if (etcd.has("url")) {
            entries.add(etcd.get("url").asText());
        }
        for (String raw : entries) {
            String entry = raw.trim().replaceAll("^['\"]|['\"]$", "");
            if (entry.isEmpty()) {
                continue;
            }
            try {
                if (entry.contains("://")) {
                    URI uri = URI.create(entry);
                    if (protocol == null) {
                        protocol = uri.getScheme();
                    }
                    hosts.add(new HostPort(uri.getHost(), uri.getPort() < 0 ? 2379 : uri.getPort()));
                }
                else {
                    hosts.add(HostPort.parse(entry, 2379));
                }
            }
            catch (IllegalArgumentException | NullPointerException e) {
                problems.add("etcd3.hosts has '" + raw + "', expected host:port");
            }
        }
        if (hosts.isEmpty()) {
            problems.add("etcd3: no etcd address; expected host, hosts or url, e.g. hosts: [127.0.0.1:2379]");
            hosts.add(new HostPort("127.0.0.1", 2379));
        }
        if (protocol == null) {
            protocol = "http";
        }
        if (!protocol.equals("http") && !protocol.equals("https")) {
            problems.add("etcd3.protocol is '" + protocol + "', expected http or https");
            protocol = "http";
        }
        Optional<Path> cacert = path(etcd, "cacert");
        Optional<Path> cert = path(etcd, "cert");
        Optional<Path> key = path(etcd, "key");
        if (cert.isPresent() != key.isPresent()) {
            problems.add("etcd3.cert and etcd3.key must be given together (found only " + (cert.isPresent() ? "cert" : "key") + ")");
            cert = Optional.empty();
            key = Optional.empty();
        }
        for (var file : List.of(cacert, cert, key)) {
            if (file.isPresent() && !file.get().toFile().canRead()) {
                problems.add("etcd3: the file " + file.get() + " does not exist or is not readable");
            }
        }
        if ((cacert.isPresent() || cert.isPresent()) && protocol.equals("http")) {
            // Patroni switches to https when certificates are configured
            protocol = "https";
        }
        Optional<String> username = text(etcd, "username").or(() -> text(etcd, "user"));
        Optional<String> password = text(etcd, "password");
        return new EtcdConfig(hosts, protocol, cacert, cert, key, username, password);
    }

    private static Optional<Path> path(JsonNode node, String field)
    {
        return text(node, field).map(Path::of);
    }

    private static Optional<String> text(JsonNode node, String field)
    {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || !value.isValueNode() || value.asText().isBlank() ? Optional.empty() : Optional.of(value.asText());
    }
}
