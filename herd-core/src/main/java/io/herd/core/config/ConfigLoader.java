package io.herd.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herd.core.cluster.HostPort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Reads Patroni's YAML configuration, then applies Spilo's variables and Patroni's {@code PATRONI_*} overrides
 * (in that order, so {@code PATRONI_*} wins as it does over a Spilo-generated file). All problems are collected and
 * reported together, each naming the key, the value and the expected form; nothing touches the data directory
 * before the whole configuration is valid.
 */
public final class ConfigLoader
{
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /**
     * Replica methods Herd runs itself: pg_basebackup (also under Spilo's name) and a restore from this cluster's
     * backups (under Spilo's and WAL-G's names, whose scripts do not exist on a Herd host).
     */
    public static final java.util.Set<String> BUILT_IN_REPLICA_METHODS = java.util.Set.of("basebackup", "basebackup_fast_xlog", "wal_e", "wal_g", "walg", "herd_backup");

    private final Map<String, String> env;

    public ConfigLoader(Map<String, String> env)
    {
        this.env = Map.copyOf(env);
    }

    public HerdConfig load(Optional<Path> file)
    {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (env.containsKey("PATRONI_CONFIGURATION") && file.isEmpty()) {
            root = parseYaml(env.get("PATRONI_CONFIGURATION"), "PATRONI_CONFIGURATION");
        }
        if (file.isPresent()) {
            Path path = file.get();
            if (!Files.isRegularFile(path)) {
                throw new ConfigException("configuration file " + path + " does not exist or is not a file");
            }
            try {
                root = parseYaml(Files.readString(path), path.toString());
            }
            catch (IOException e) {
                throw new ConfigException("cannot read configuration file " + path + ": " + e.getMessage());
            }
        }
        new EnvironmentOverrides(env).apply(root);
        return parse(root);
    }

    public HerdConfig parseString(String yaml)
    {
        ObjectNode root = parseYaml(yaml, "configuration");
        new EnvironmentOverrides(env).apply(root);
        return parse(root);
    }

    private static ObjectNode parseYaml(String text, String source)
    {
        try {
            JsonNode node = YAML.readTree(text);
            if (node == null || node.isNull() || node.isMissingNode()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException(source + ": expected a YAML mapping at the top level, found " + node.getNodeType().toString().toLowerCase(Locale.ROOT));
            }
            return (ObjectNode) node;
        }
        catch (JsonProcessingException e) {
            throw new ConfigException(source + " is not valid YAML: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""));
        }
    }

    static HerdConfig parse(ObjectNode root)
    {
        Problems problems = new Problems();
        List<String> warnings = new ArrayList<>(KnownKeys.unknown(root).stream().map(key -> "unknown configuration key '" + key + "' is ignored").toList());

        String scope = problems.requiredText(root, "scope", "a cluster name");
        String namespace = Optional.ofNullable(root.get("namespace")).filter(JsonNode::isValueNode).map(JsonNode::asText).orElse("/service/");
        JsonNode postgresql = root.path("postgresql");
        String name = root.has("name") ? problems.requiredText(root, "name", "a member name") : problems.requiredText(postgresql, "postgresql.name", "name", "a member name (top-level 'name')");

        JsonNode restapi = root.path("restapi");
        HostPort listen = problems.address(restapi, "restapi.listen", "listen", 8008, true);
        HostPort apiConnect = restapi.has("connect_address") ? problems.address(restapi, "restapi.connect_address", "connect_address", 8008, true) : listen;
        Optional<Credentials> apiAuth = credentials(restapi.path("authentication"), "restapi.authentication", problems, false);

        EtcdConfig etcd = EtcdSection.parse(root, problems);

        JsonNode bootstrap = root.path("bootstrap");
        ObjectNode dcs = bootstrap.path("dcs").isObject() ? ((ObjectNode) bootstrap.path("dcs")).deepCopy() : JsonNodeFactory.instance.objectNode();
        if (bootstrap.has("dcs") && !bootstrap.get("dcs").isObject() && !bootstrap.get("dcs").isNull()) {
            problems.add("bootstrap.dcs is '" + bootstrap.get("dcs").asText() + "', expected a mapping");
        }
        DynamicConfig dynamic = DynamicConfig.parse(dcs);
        dynamic.warnings().forEach(w -> warnings.add("bootstrap.dcs: " + w));
        List<String> initdb = initdbOptions(bootstrap.path("initdb"), problems);
        List<String> bootstrapHba = stringList(bootstrap.path("pg_hba"), "bootstrap.pg_hba", problems);
        Optional<String> postBootstrap = Optional.ofNullable(bootstrap.has("post_bootstrap") ? bootstrap.get("post_bootstrap") : bootstrap.get("post_init"))
                .filter(JsonNode::isValueNode).map(JsonNode::asText);

        PostgresqlConfig pg = parsePostgresql(postgresql, bootstrapHba, dcs, problems);

        Map<String, Object> tags = new LinkedHashMap<>();
        JsonNode tagNode = root.path("tags");
        if (tagNode.isObject()) {
            tagNode.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    tags.put(e.getKey(), YAML.convertValue(e.getValue(), Object.class));
                }
            });
        }
        else if (!tagNode.isMissingNode() && !tagNode.isNull()) {
            problems.add("tags is '" + tagNode.asText() + "', expected a mapping");
        }
        for (String boolTag : List.of("nofailover", "noloadbalance", "clonefrom", "nosync", "nostream")) {
            Object value = tags.get(boolTag);
            if (value != null && !(value instanceof Boolean) && !(value instanceof String s && s.matches("(?i)true|false|yes|no|on|off"))) {
                problems.add("tags." + boolTag + " is '" + value + "', expected true or false");
            }
        }
        Object priority = tags.get("failover_priority");
        if (priority != null && !(priority instanceof Integer) && !(priority instanceof String s && s.trim().matches("-?\\d+"))) {
            problems.add("tags.failover_priority is '" + priority + "', expected an integer");
        }

        JsonNode backupNode = root.path("backup");
        Optional<ObjectNode> backup = backupNode.isObject() ? Optional.of((ObjectNode) backupNode.deepCopy()) : Optional.empty();
        if (!backupNode.isMissingNode() && !backupNode.isNull() && !backupNode.isObject()) {
            problems.add("backup is '" + backupNode.asText() + "', expected a mapping of WAL-G variables (WALG_S3_PREFIX, ...), schedule and retain");
        }

        problems.throwIfAny();
        return new HerdConfig(scope, namespace, name, new RestApiConfig(listen, apiConnect, apiAuth), etcd,
                new BootstrapConfig(dcs, initdb, bootstrapHba, postBootstrap), pg, tags, backup, warnings);
    }

    private static PostgresqlConfig parsePostgresql(JsonNode node, List<String> bootstrapHba, ObjectNode dcs, Problems problems)
    {
        if (node.isMissingNode()) {
            problems.add("postgresql: missing; expected a mapping with at least data_dir, listen and authentication");
        }
        String listenText = node.has("listen") ? node.get("listen").asText() : null;
        List<String> hosts = new ArrayList<>();
        int port = 5432;
        if (listenText == null) {
            problems.add("postgresql.listen: missing; expected host:port, e.g. 0.0.0.0:5432");
        }
        else {
            // Patroni: "host1,host2:port" — the port after the last colon applies to all hosts
            String hostsPart = listenText;
            int colon = listenText.lastIndexOf(':');
            if (colon > 0 && !listenText.endsWith("]")) {
                hostsPart = listenText.substring(0, colon);
                try {
                    port = Integer.parseInt(listenText.substring(colon + 1).trim());
                }
                catch (NumberFormatException e) {
                    problems.add("postgresql.listen is '" + listenText + "', expected host:port with a numeric port");
                }
            }
            for (String host : hostsPart.split(",")) {
                if (!host.isBlank()) {
                    hosts.add(host.trim());
                }
            }
            if (hosts.isEmpty()) {
                problems.add("postgresql.listen is '" + listenText + "', expected host:port");
            }
        }
        HostPort connect = node.has("connect_address")
                ? problems.address(node, "postgresql.connect_address", "connect_address", port, true)
                : new HostPort(hosts.isEmpty() || hosts.get(0).equals("*") || hosts.get(0).equals("0.0.0.0") ? "127.0.0.1" : hosts.get(0), port);
        String dataDir = problems.requiredText(node, "postgresql.data_dir", "data_dir", "the path of the data directory");
        String binDir = node.has("bin_dir") && !node.get("bin_dir").asText().isBlank() ? node.get("bin_dir").asText() : "/usr/lib/postgresql/15/bin";
        String pgpass = node.has("pgpass") ? node.get("pgpass").asText() : "/tmp/pgpass-" + Math.abs(dataDir == null ? 0 : dataDir.hashCode());

        JsonNode auth = node.path("authentication");
        Credentials superuser = credentials(auth.path("superuser"), "postgresql.authentication.superuser", problems, true).orElse(new Credentials("postgres", Optional.empty()));
        Credentials replication = credentials(auth.path("replication"), "postgresql.authentication.replication", problems, true).orElse(new Credentials("replicator", Optional.empty()));
        Optional<Credentials> rewind = credentials(auth.path("rewind"), "postgresql.authentication.rewind", problems, false);

        Map<String, String> parameters = new LinkedHashMap<>();
        JsonNode params = node.path("parameters");
        if (params.isObject()) {
            params.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    parameters.put(e.getKey(), e.getValue().isBoolean() ? (e.getValue().asBoolean() ? "on" : "off") : e.getValue().asText());
                }
            });
        }
        else if (!params.isMissingNode() && !params.isNull()) {
            problems.add("postgresql.parameters is '" + params.asText() + "', expected a mapping of PostgreSQL settings");
        }
        List<String> pgHba = node.has("pg_hba") ? stringList(node.get("pg_hba"), "postgresql.pg_hba", problems)
                : dcs.path("postgresql").has("pg_hba") ? stringList(dcs.path("postgresql").get("pg_hba"), "bootstrap.dcs.postgresql.pg_hba", problems)
                : bootstrapHba;
        JsonNode methodsNode = node.has("create_replica_methods") ? node.get("create_replica_methods") : node.get("create_replica_method");
        List<String> methods = methodsNode == null ? List.of("basebackup") : stringList(methodsNode, "postgresql.create_replica_methods", problems);
        Map<String, Map<String, Object>> methodSettings = new LinkedHashMap<>();
        for (String method : methods) {
            JsonNode section = node.get(method);
            if (section != null && section.isObject() && !method.equals("basebackup")) {
                methodSettings.put(method, YAML.convertValue(section, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {}));
            }
            else if (!BUILT_IN_REPLICA_METHODS.contains(method) && (section == null || !section.isObject())) {
                problems.add("postgresql.create_replica_methods names '" + method + "' but postgresql." + method + " is missing; expected a mapping with a 'command'");
            }
        }
        List<String> basebackup = basebackupOptions(node.path("basebackup"), problems);
        boolean removeOnRewindFailure = node.path("remove_data_directory_on_rewind_failure").asBoolean(false);
        return new PostgresqlConfig(hosts, port, connect, Path.of(dataDir == null ? "." : dataDir), Path.of(binDir), Path.of(pgpass), superuser, replication, rewind,
                parameters, pgHba, methods, basebackup, methodSettings, removeOnRewindFailure);
    }

    private static Optional<Credentials> credentials(JsonNode node, String key, Problems problems, boolean required)
    {
        if (node.isMissingNode() || node.isNull()) {
            if (required) {
                problems.add(key + ": missing; expected a mapping with username and password");
            }
            return Optional.empty();
        }
        if (!node.isObject()) {
            problems.add(key + " is '" + node.asText() + "', expected a mapping with username and password");
            return Optional.empty();
        }
        String username = problems.requiredText(node, key + ".username", "username", "a user name");
        Optional<String> password = Optional.ofNullable(node.get("password")).filter(JsonNode::isValueNode).filter(n -> !n.isNull()).map(JsonNode::asText);
        return username == null ? Optional.empty() : Optional.of(new Credentials(username, password));
    }

    /** Patroni's initdb list: strings are flags, one-key mappings are {@code --key=value}. */
    private static List<String> initdbOptions(JsonNode node, Problems problems)
    {
        return optionList(node, "bootstrap.initdb", "a list such as [data-checksums, {encoding: UTF8}]", problems);
    }

    /** pg_basebackup options: the same list form as initdb's, or a mapping of option to value. */
    private static List<String> basebackupOptions(JsonNode node, Problems problems)
    {
        if (node.isObject()) {
            List<String> options = new ArrayList<>();
            node.fields().forEachRemaining(e -> options.add("--" + e.getKey() + "=" + e.getValue().asText()));
            return options;
        }
        return optionList(node, "postgresql.basebackup", "a list of options or a mapping", problems);
    }

    private static List<String> optionList(JsonNode node, String key, String expected, Problems problems)
    {
        List<String> options = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return options;
        }
        if (!node.isArray()) {
            problems.add(key + " is '" + node.asText() + "', expected " + expected);
            return options;
        }
        for (JsonNode item : node) {
            if (item.isValueNode()) {
                options.add("--" + item.asText());
            }
            else if (item.isObject() && item.size() == 1) {
                var field = item.fields().next();
                options.add("--" + field.getKey() + "=" + field.getValue().asText());
            }
            else {
                problems.add(key + " has an entry '" + item + "', expected an option name or a one-key mapping");
            }
        }
        return options;
    }

    static List<String> stringList(JsonNode node, String key, Problems problems)
    {
        List<String> values = new ArrayList<>();
        if (node == null || node.isMissingNode() || node.isNull()) {
            return values;
        }
        if (node.isTextual()) {
            values.add(node.asText());
            return values;
        }
        if (!node.isArray()) {
            problems.add(key + " is '" + node + "', expected a list of strings");
            return values;
        }
        for (JsonNode item : node) {
            if (item.isValueNode()) {
                values.add(item.asText());
            }
            else {
                problems.add(key + " has an entry '" + item + "', expected a string");
            }
        }
        return values;
    }

    /** Collects every problem so one run reports them all. */
    static final class Problems
    {
        private final List<String> messages = new ArrayList<>();

        void add(String message)
        {
            messages.add(message);
        }

        String requiredText(JsonNode parent, String key, String expected)
        {
            return requiredText(parent, key, key.substring(key.lastIndexOf('.') + 1), expected);
        }

        String requiredText(JsonNode parent, String key, String field, String expected)
        {
            JsonNode value = parent.get(field);
            if (value == null || value.isNull() || value.isMissingNode()) {
                add(key + ": missing; expected " + expected);
                return null;
            }
            if (!value.isValueNode() || value.asText().isBlank()) {
                add(key + " is '" + value + "', expected " + expected);
                return null;
            }
            return value.asText();
        }

        HostPort address(JsonNode parent, String key, String field, int defaultPort, boolean required)
        {
            JsonNode value = parent.get(field);
            if (value == null || value.isNull()) {
                if (required) {
                    add(key + ": missing; expected host:port, e.g. 127.0.0.1:" + defaultPort);
                }
                return new HostPort("127.0.0.1", defaultPort);
            }
            String text = value.asText();
            try {
                // Patroni accepts ':8008' and '*:8008' meaning every interface
                if (text.startsWith(":")) {
                    text = "0.0.0.0" + text;
                }
                if (text.startsWith("*:")) {
                    text = "0.0.0.0" + text.substring(1);
                }
                return HostPort.parse(text, defaultPort);
            }
            catch (IllegalArgumentException e) {
                add(key + " is '" + value.asText() + "', expected host:port (" + e.getMessage() + ")");
                return new HostPort("127.0.0.1", defaultPort);
            }
        }

        void throwIfAny()
        {
            if (!messages.isEmpty()) {
                throw new ConfigException(messages);
            }
        }
    }

}
