package io.herd.core.config;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys of Patroni's configuration that Herd reads, or knowingly accepts without acting on them (so a Patroni 3
 * or 4 configuration starts unchanged). Anything else is reported once as unknown.
 */
final class KnownKeys
{
    /** A key mapped to null accepts any content below it. */
    private static final Map<String, Set<String>> SECTIONS = Map.of(
            "", Set.of("scope", "namespace", "name", "log", "restapi", "ctl", "etcd3", "etcd", "bootstrap", "postgresql", "watchdog", "tags",
                    "synchronous_mode", "synchronous_mode_strict", "citus", "herd", "backup"),
            "restapi", Set.of("listen", "connect_address", "authentication", "certfile", "keyfile", "keyfile_password", "cafile", "ciphers",
                    "verify_client", "allowlist", "allowlist_include_members", "http_extra_headers", "https_extra_headers", "request_queue_size",
                    "thread_pool_size", "server_tokens"),
            "etcd3", Set.of("host", "hosts", "url", "proxy", "srv", "srv_suffix", "discovery_srv", "use_proxies", "protocol", "username", "user",
                    "password", "cacert", "cert", "key", "port", "retry_timeout"),
            "bootstrap", Set.of("dcs", "method", "initdb", "pg_hba", "users", "post_bootstrap", "post_init"),
            "postgresql", Set.of("name", "listen", "connect_address", "proxy_address", "data_dir", "config_dir", "bin_dir", "bin_name", "pgpass",
                    "use_unix_socket", "use_unix_socket_repl", "config_base_name", "custom_conf", "pg_ctl_timeout", "authentication", "parameters",
                    "pg_hba", "pg_ident", "create_replica_methods", "create_replica_method", "basebackup", "recovery_conf", "callbacks", "pre_promote",
                    "before_stop", "use_pg_rewind", "rewind", "remove_data_directory_on_rewind_failure", "remove_data_directory_on_diverged_timelines",
                    "parameters_primary", "parameters_replica", "pg_hba_primary", "pg_hba_replica", "pg_ctl_options", "listen_addresses"));

    private static final Set<String> OPEN = Set.of("log", "ctl", "etcd", "watchdog", "tags", "citus", "herd", "backup",
            "restapi.authentication", "restapi.http_extra_headers", "restapi.https_extra_headers", "restapi.allowlist",
            "bootstrap.dcs", "bootstrap.initdb", "bootstrap.pg_hba", "bootstrap.users",
            "postgresql.authentication", "postgresql.parameters", "postgresql.pg_hba", "postgresql.pg_ident", "postgresql.basebackup",
            "postgresql.recovery_conf", "postgresql.callbacks", "postgresql.rewind", "postgresql.bin_name", "postgresql.parameters_primary",
            "postgresql.parameters_replica", "postgresql.pg_hba_primary", "postgresql.pg_hba_replica", "postgresql.create_replica_methods",
            "postgresql.create_replica_method", "etcd3.hosts");

    private KnownKeys() {}

    static List<String> unknown(JsonNode root)
    {
        List<String> unknown = new ArrayList<>();
        walk("", root, unknown, replicaMethodNames(root));
        return unknown;
    }

    private static Set<String> replicaMethodNames(JsonNode root)
    {
        JsonNode methods = root.path("postgresql").has("create_replica_methods") ? root.path("postgresql").get("create_replica_methods") : root.path("postgresql").path("create_replica_method");
        Set<String> names = new java.util.HashSet<>();
        methods.forEach(m -> names.add(m.asText()));
        JsonNode method = root.path("bootstrap").path("method");
        if (method.isTextual()) {
            names.add("bootstrap." + method.asText());
        }
        return names;
    }

    private static void walk(String prefix, JsonNode node, List<String> unknown, Set<String> methods)
    {
        Set<String> known = SECTIONS.get(prefix);
        if (known == null || !node.isObject()) {
            return;
        }
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            String key = prefix.isEmpty() ? name : prefix + "." + name;
            boolean isMethod = (prefix.equals("postgresql") && methods.contains(name)) || (prefix.equals("bootstrap") && methods.contains("bootstrap." + name));
            if (!known.contains(name) && !isMethod) {
                unknown.add(key);
                continue;
            }
            if (!OPEN.contains(key) && !isMethod) {
                walk(key, node.get(name), unknown, methods);
            }
        }
    }
}
