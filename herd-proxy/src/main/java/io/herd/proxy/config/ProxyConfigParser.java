package io.herd.proxy.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herd.core.cluster.HostPort;
import io.herd.core.config.ConfigException;
import io.herd.core.config.DataSizes;
import io.herd.core.config.Durations;
import io.herd.core.config.EtcdConfig;
import io.herd.core.config.EtcdSections;
import io.herd.core.dcs.DcsKeys;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the proxy's YAML. The {@code scope}, {@code namespace} and {@code etcd3} sections are the agent's own, so
 * they can be pasted from a Patroni file; everything else lives under {@code proxy}. Every problem is collected
 * and reported at once, each naming the key, the value found and the expected form.
 */
public final class ProxyConfigParser
{
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> PROXY_KEYS = Set.of("listeners", "backends", "health_check", "http", "shutdown_timeout");
    private static final Set<String> LISTENER_KEYS = Set.of(
            "name", "bind", "role", "max_lag", "exclude_noloadbalance", "fallback_to_primary", "check", "wait_for_leader", "connect_timeout");
    private static final Set<String> CHECK_KEYS = Set.of("interval", "timeout", "rise", "fall", "primary", "replica");

    private final List<String> problems = new ArrayList<>();

    private ProxyConfigParser() {}

    public static ObjectNode readYaml(Path file)
    {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("configuration file " + file + " does not exist or is not a file");
        }
        try {
            return readYaml(Files.readString(file), file.toString());
        }
        catch (IOException e) {
            throw new ConfigException("cannot read configuration file " + file + ": " + e.getMessage());
        }
    }

    public static ObjectNode readYaml(String text, String source)
    {
        try {
            JsonNode node = YAML.readTree(text);
            if (node == null || node.isNull() || node.isMissingNode()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!node.isObject()) {
                throw new ConfigException(source + ": expected a YAML mapping at the top level");
            }
            return (ObjectNode) node;
        }
        catch (JsonProcessingException e) {
            throw new ConfigException(source + " is not valid YAML: " + e.getOriginalMessage());
        }
    }

    /** @throws ConfigException listing every problem */
    public static ProxyConfig parse(JsonNode root)
    {
        return new ProxyConfigParser().parseRoot(root);
    }

    public static ProxyConfig parse(String yaml)
    {
        return parse(readYaml(yaml, "configuration"));
    }

    private ProxyConfig parseRoot(JsonNode root)
    {
        JsonNode proxy = root.path("proxy");
        if (!proxy.isObject()) {
            problems.add("proxy: " + (proxy.isMissingNode() ? "missing" : "is '" + proxy.asText() + "'") + "; expected a mapping with listeners, e.g. {listeners: [{name: rw, bind: 0.0.0.0:5000, role: primary}]}");
            throw new ConfigException(problems);
        }
        unknownKeys(proxy, "proxy", PROXY_KEYS);

        Optional<EtcdSource> etcd = Optional.empty();
        if (root.has("etcd3") || root.has("etcd")) {
            String scope = text(root, "scope", "a cluster name");
            EtcdConfig etcdConfig = null;
            try {
                etcdConfig = EtcdSections.parse(root);
            }
            catch (ConfigException e) {
                problems.addAll(e.problems());
            }
            String namespace = root.path("namespace").isValueNode() ? root.get("namespace").asText() : "/service/";
            if (scope != null && etcdConfig != null) {
                etcd = Optional.of(new EtcdSource(etcdConfig, DcsKeys.of(namespace, scope)));
            }
        }

        HealthCheckConfig checks = healthCheck(proxy.path("health_check"));
        List<BackendConfig> backends = backends(proxy.path("backends"));
        List<ListenerConfig> listeners = listeners(proxy.path("listeners"), checks);
        Optional<HostPort> http = proxy.has("http") ? Optional.ofNullable(address(proxy.get("http"), "proxy.http")) : Optional.empty();
        Duration shutdown = duration(proxy, "shutdown_timeout", "proxy.shutdown_timeout", Duration.ofSeconds(30));

        if (!proxy.has("backends") && !root.has("etcd3") && !root.has("etcd")) {
            problems.add("proxy.backends: missing and no etcd3 section; expected a list of {name, postgres: host:port, api: http://host:8008} or an etcd3 section with scope");
        }
        if (!problems.isEmpty() || checks == null) {
            throw new ConfigException(problems);
        }
        return new ProxyConfig(listeners, backends, etcd, checks, http, shutdown);
    }

    private HealthCheckConfig healthCheck(JsonNode node)
    {
        if (!node.isMissingNode() && !node.isObject()) {
            problems.add("proxy.health_check is '" + node.asText() + "', expected a mapping with interval, timeout, rise, fall, primary, replica");
            node = JsonNodeFactory.instance.objectNode();
        }
        unknownKeys(node, "proxy.health_check", CHECK_KEYS);
        Duration interval = positive(node, "interval", "proxy.health_check.interval", Duration.ofSeconds(1));
        Duration timeout = positive(node, "timeout", "proxy.health_check.timeout", Duration.ofSeconds(1));
        int rise = count(node, "rise", "proxy.health_check.rise", 2);
        int fall = count(node, "fall", "proxy.health_check.fall", 3);
        CheckSpec primary = check(node, "primary", "proxy.health_check.primary", new CheckSpec("OPTIONS", "/primary"));
        CheckSpec replica = check(node, "replica", "proxy.health_check.replica", new CheckSpec("OPTIONS", "/replica"));
        if (interval == null || timeout == null || primary == null || replica == null || rise < 1 || fall < 1) {
            return null;
        }
        return new HealthCheckConfig(interval, timeout, rise, fall, primary, replica);
    }

    private List<BackendConfig> backends(JsonNode node)
    {
        List<BackendConfig> backends = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return backends;
        }
        if (!node.isArray()) {
            problems.add("proxy.backends is '" + node.asText() + "', expected a list of {name, postgres: host:port, api: http://host:8008}");
            return backends;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String key = "proxy.backends[" + i + "]";
            unknownKeys(item, key, Set.of("name", "postgres", "api"));
            String name = text(item, key + ".name", "name", "a member name");
            HostPort postgres = item.has("postgres") ? address(item.get("postgres"), key + ".postgres") : missing(key + ".postgres", "host:port of PostgreSQL, e.g. 10.0.0.1:5432");
            URI api = item.has("api") ? url(item.get("api"), key + ".api") : missing(key + ".api", "the REST API URL, e.g. http://10.0.0.1:8008");
            if (name != null && !names.add(name)) {
                problems.add(key + ".name is '" + name + "', which another backend already uses; expected unique names");
            }
            if (name != null && postgres != null && api != null) {
                backends.add(new BackendConfig(name, postgres, api));
            }
        }
        return backends;
    }

    private List<ListenerConfig> listeners(JsonNode node, HealthCheckConfig checks)
    {
        List<ListenerConfig> listeners = new ArrayList<>();
        if (!node.isArray() || node.isEmpty()) {
            problems.add("proxy.listeners is " + (node.isMissingNode() ? "missing" : "'" + node + "'") + ", expected a non-empty list of {name, bind: host:port, role: primary|replicas|any}");
            return listeners;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String key = "proxy.listeners[" + i + "]";
            if (!item.isObject()) {
                problems.add(key + " is '" + item.asText() + "', expected a mapping {name, bind: host:port, role: primary|replicas|any}");
                continue;
            }
            unknownKeys(item, key, LISTENER_KEYS);
            String name = item.has("name") ? text(item, key + ".name", "name", "a listener name") : "listener" + i;
            HostPort bind = item.has("bind") ? address(item.get("bind"), key + ".bind") : missing(key + ".bind", "host:port to listen on, e.g. 0.0.0.0:5000");
            ListenerRole role = ListenerRole.PRIMARY;
            if (item.has("role")) {
                Optional<ListenerRole> parsed = ListenerRole.parse(item.get("role").asText());
                if (parsed.isEmpty()) {
                    problems.add(key + ".role is '" + item.get("role").asText() + "', expected primary, replicas or any");
                }
                role = parsed.orElse(ListenerRole.PRIMARY);
            }
            OptionalLong maxLag = OptionalLong.empty();
            if (item.has("max_lag") && !item.get("max_lag").isNull()) {
                try {
                    maxLag = OptionalLong.of(DataSizes.parseBytes(item.get("max_lag").asText()));
                }
                catch (IllegalArgumentException e) {
                    problems.add(key + ".max_lag is '" + item.get("max_lag").asText() + "', expected a size such as 1048576, 16kB or 10MB");
                }
            }
            boolean excludeNoloadbalance = bool(item, "exclude_noloadbalance", key + ".exclude_noloadbalance", true);
            boolean fallback = bool(item, "fallback_to_primary", key + ".fallback_to_primary", role == ListenerRole.REPLICAS);
            Duration wait = duration(item, "wait_for_leader", key + ".wait_for_leader", Duration.ofSeconds(10));
            Duration connect = positive(item, "connect_timeout", key + ".connect_timeout", Duration.ofSeconds(3));
            Optional<CheckSpec> replicaCheck = Optional.empty();
            if (role != ListenerRole.PRIMARY && checks != null) {
                CheckSpec spec = check(item, "check", key + ".check", null);
                if (spec == null) {
                    spec = checks.replica();
                    if (maxLag.isPresent()) {
                        // Patroni's /replica?lag= makes the node itself judge its lag when etcd cannot tell us
                        spec = spec.withQuery("lag", Long.toString(maxLag.getAsLong()));
                    }
                }
                replicaCheck = Optional.of(spec);
            }
            if (name != null && !names.add(name)) {
                problems.add(key + ".name is '" + name + "', which another listener already uses; expected unique names");
            }
            if (name != null && bind != null && wait != null && connect != null && (role == ListenerRole.PRIMARY || replicaCheck.isPresent())) {
                listeners.add(new ListenerConfig(name, bind, role, maxLag, excludeNoloadbalance, fallback, replicaCheck, wait, connect));
            }
        }
        return listeners;
    }

    private void unknownKeys(JsonNode node, String key, Set<String> known)
    {
        if (!node.isObject()) {
            return;
        }
        node.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                problems.add(key + "." + field + " is not a known key; expected one of " + known.stream().sorted().toList());
            }
        });
    }

    private <T> T missing(String key, String expected)
    {
        problems.add(key + ": missing; expected " + expected);
        return null;
    }

    private String text(JsonNode parent, String field, String expected)
    {
        return text(parent, field, field, expected);
    }

    private String text(JsonNode parent, String key, String field, String expected)
    {
        JsonNode value = parent.get(field);
        if (value == null || value.isNull()) {
            return missing(key, expected);
        }
        if (!value.isValueNode() || value.asText().isBlank()) {
            problems.add(key + " is '" + value + "', expected " + expected);
            return null;
        }
        return value.asText();
    }

    private HostPort address(JsonNode value, String key)
    {
        String text = value.asText();
        try {
            // as Patroni: ':5000' and '*:5000' mean every interface
            if (text.startsWith(":")) {
                text = "0.0.0.0" + text;
            }
            else if (text.startsWith("*:")) {
                text = "0.0.0.0" + text.substring(1);
            }
            HostPort address = HostPort.parse(text, 0);
            if (address.port() == 0) {
                throw new IllegalArgumentException("no port");
            }
            return address;
        }
        catch (IllegalArgumentException e) {
            problems.add(key + " is '" + value.asText() + "', expected host:port, e.g. 127.0.0.1:5000 (" + e.getMessage() + ")");
            return null;
        }
    }

    private URI url(JsonNode value, String key)
    {
        String text = value.asText().trim();
        try {
            URI uri = URI.create(text);
            String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        }
        catch (IllegalArgumentException ignored) {
            // reported below
        }
        problems.add(key + " is '" + text + "', expected an http(s) URL such as http://10.0.0.1:8008");
        return null;
    }

    private CheckSpec check(JsonNode parent, String field, String key, CheckSpec defaultValue)
    {
        return value(parent, field, key, defaultValue, CheckSpec::parse, "'METHOD /path' with METHOD GET, HEAD or OPTIONS, e.g. 'OPTIONS /primary' or 'GET /replica?lag=10MB'");
    }

    private Duration duration(JsonNode parent, String field, String key, Duration defaultValue)
    {
        return value(parent, field, key, defaultValue, Durations::parseSeconds, "a duration such as 10 (seconds), 500ms, 2s or 1min");
    }

    private Duration positive(JsonNode parent, String field, String key, Duration defaultValue)
    {
        Duration value = duration(parent, field, key, defaultValue);
        if (value != null && value.isZero()) {
            problems.add(key + " is '" + parent.get(field).asText() + "', expected a positive duration such as 500ms or 2s");
            return null;
        }
        return value;
    }

    private int count(JsonNode parent, String field, String key, int defaultValue)
    {
        Integer value = value(parent, field, key, defaultValue, text -> {
            int number = Integer.parseInt(text.trim());
            if (number < 1 || number > 100) {
                throw new IllegalArgumentException("out of range");
            }
            return number;
        }, "a whole number from 1 to 100");
        return value == null ? -1 : value;
    }

    private boolean bool(JsonNode parent, String field, String key, boolean defaultValue)
    {
        Boolean value = value(parent, field, key, defaultValue, text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not a boolean");
        }, "true or false");
        return value != null && value;
    }

    private <T> T value(JsonNode parent, String field, String key, T defaultValue, Function<String, T> parser, String expected)
    {
        JsonNode node = parent.get(field);
        if (node == null || node.isNull()) {
            return defaultValue;
        }
        if (!node.isValueNode()) {
            problems.add(key + " is '" + node + "', expected " + expected);
            return null;
        }
        try {
            return parser.apply(node.asText());
        }
        catch (RuntimeException e) {
            problems.add(key + " is '" + node.asText() + "', expected " + expected);
            return null;
        }
    }
}
