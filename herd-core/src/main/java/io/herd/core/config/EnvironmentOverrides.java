package io.herd.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

import static java.util.Objects.requireNonNull;

/**
 * Applies environment variables to the parsed YAML tree: first Spilo's ({@code SCOPE}, {@code PGVERSION},
 * {@code ETCD3_*}, {@code PGDATA}, {@code PGUSER_SUPERUSER}, ...), then Patroni's {@code PATRONI_*}, so the latter
 * win, as they would over a file Spilo generated.
 */
final class EnvironmentOverrides
{
    private final Map<String, String> env;

    EnvironmentOverrides(Map<String, String> env)
    {
        this.env = requireNonNull(env, "env is null");
    }

    void apply(ObjectNode root)
    {
        applySpilo(root);
        applyPatroni(root);
    }

    private void applySpilo(ObjectNode root)
    {
        set(root, "SCOPE", "scope");
        if (env.containsKey("PGVERSION") && !section(root, "postgresql").has("bin_dir")) {
            section(root, "postgresql").put("bin_dir", "/usr/lib/postgresql/" + env.get("PGVERSION").trim() + "/bin");
        }
        set(root, "PGDATA", "postgresql", "data_dir");
        set(root, "PGUSER_SUPERUSER", "postgresql", "authentication", "superuser", "username");
        set(root, "PGPASSWORD_SUPERUSER", "postgresql", "authentication", "superuser", "password");
        set(root, "PGUSER_STANDBY", "postgresql", "authentication", "replication", "username");
        set(root, "PGPASSWORD_STANDBY", "postgresql", "authentication", "replication", "password");
        for (Map.Entry<String, String> entry : env.entrySet()) {
            String name = entry.getKey();
            if (!name.startsWith("ETCD3_")) {
                continue;
            }
            String key = name.substring("ETCD3_".length()).toLowerCase(java.util.Locale.ROOT);
            if (key.equals("hosts")) {
                section(root, "etcd3").set("hosts", hostList(entry.getValue()));
            }
            else if (key.equals("discovery_domain")) {
                section(root, "etcd3").put("discovery_srv", entry.getValue());
            }
            else {
                section(root, "etcd3").put(key, entry.getValue());
            }
        }
    }

    private void applyPatroni(ObjectNode root)
    {
        set(root, "PATRONI_NAME", "name");
        set(root, "PATRONI_NAMESPACE", "namespace");
        set(root, "PATRONI_SCOPE", "scope");
        for (String key : new String[] {"LISTEN", "CONNECT_ADDRESS", "CERTFILE", "KEYFILE", "CAFILE"}) {
            set(root, "PATRONI_RESTAPI_" + key, "restapi", key.toLowerCase(java.util.Locale.ROOT));
        }
        set(root, "PATRONI_RESTAPI_USERNAME", "restapi", "authentication", "username");
        set(root, "PATRONI_RESTAPI_PASSWORD", "restapi", "authentication", "password");
        for (String key : new String[] {"LISTEN", "CONNECT_ADDRESS", "PROXY_ADDRESS", "CONFIG_DIR", "DATA_DIR", "PGPASS", "BIN_DIR"}) {
            set(root, "PATRONI_POSTGRESQL_" + key, "postgresql", key.toLowerCase(java.util.Locale.ROOT));
        }
        for (String user : new String[] {"SUPERUSER", "REPLICATION", "REWIND"}) {
            for (String field : new String[] {"USERNAME", "PASSWORD", "SSLMODE", "SSLKEY", "SSLCERT", "SSLROOTCERT"}) {
                set(root, "PATRONI_" + user + "_" + field, "postgresql", "authentication", user.toLowerCase(java.util.Locale.ROOT), field.toLowerCase(java.util.Locale.ROOT));
            }
        }
        boolean etcdSectionFromEnv = false;
        for (Map.Entry<String, String> entry : env.entrySet()) {
            String name = entry.getKey();
            if (!name.startsWith("PATRONI_ETCD3_")) {
                continue;
            }
            String key = name.substring("PATRONI_ETCD3_".length()).toLowerCase(java.util.Locale.ROOT);
            if (key.equals("username") || key.equals("password")) {
                continue;
            }
            etcdSectionFromEnv = true;
            if (key.equals("hosts")) {
                section(root, "etcd3").set("hosts", hostList(entry.getValue()));
            }
            else if (key.equals("port")) {
                section(root, "etcd3").put("port", entry.getValue());
            }
            else {
                section(root, "etcd3").put(key, entry.getValue());
            }
        }
        // Patroni only picks these up when another PATRONI_ETCD3_* variable made the section
        if (etcdSectionFromEnv || root.has("etcd3")) {
            set(root, "PATRONI_ETCD3_USERNAME", "etcd3", "username");
            set(root, "PATRONI_ETCD3_PASSWORD", "etcd3", "password");
        }
    }

    /** Spilo wraps the value in [...] and parses it as a YAML list: {@code "h1:2379","h2:2379"} or {@code h1:2379,h2:2379}. */
    private static ArrayNode hostList(String value)
    {
        ArrayNode hosts = JsonNodeFactory.instance.arrayNode();
        String text = value.trim();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1);
        }
        for (String part : text.split(",")) {
            String host = part.trim().replaceAll("^['\"]|['\"]$", "").trim();
            if (!host.isEmpty()) {
                hosts.add(host);
            }
        }
        return hosts;
    }

    private void set(ObjectNode root, String variable, String... path)
    {
        String value = env.get(variable);
        if (value == null) {
            return;
        }
        ObjectNode node = root;
        for (int i = 0; i < path.length - 1; i++) {
            node = section(node, path[i]);
        }
        node.put(path[path.length - 1], value);
    }

    private static ObjectNode section(ObjectNode parent, String name)
    {
        JsonNode existing = parent.get(name);
        if (existing instanceof ObjectNode object) {
            return object;
        }
        ObjectNode created = JsonNodeFactory.instance.objectNode();
        parent.set(name, created);
        return created;
    }
}
