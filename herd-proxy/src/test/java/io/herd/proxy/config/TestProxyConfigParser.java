package io.herd.proxy.config;

import io.herd.core.cluster.HostPort;
import io.herd.core.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestProxyConfigParser
{
    private static final String FULL = """
            scope: demo
            namespace: /herd/
            etcd3:
              hosts: [10.0.0.9:2379, 10.0.0.10:2379]
            proxy:
              listeners:
                - name: rw
                  bind: 0.0.0.0:5000
                  role: primary
                  wait_for_leader: 5s
                  connect_timeout: 500ms
                - name: ro
                  bind: :5001
                  role: replicas
                  max_lag: 10MB
                  exclude_noloadbalance: false
                  fallback_to_primary: false
                - name: all
                  bind: 127.0.0.1:5002
                  role: any
                  check: GET /read-only
              backends:
                - {name: n1, postgres: 10.0.0.1:5432, api: http://10.0.0.1:8008}
              health_check:
                interval: 2s
                timeout: 1500ms
                rise: 3
                fall: 4
                primary: GET /leader
                replica: HEAD /replica
              http: 127.0.0.1:9187
              shutdown_timeout: 1min
            """;

    @Test
    void mapsEveryKey()
    {
        ProxyConfig config = ProxyConfigParser.parse(FULL);
        assertThat(config.etcd()).isPresent();
        assertThat(config.etcd().get().keys().base()).isEqualTo("/herd/demo/");
        assertThat(config.etcd().get().etcd().hosts()).containsExactly(new HostPort("10.0.0.9", 2379), new HostPort("10.0.0.10", 2379));
        assertThat(config.listeners()).containsExactly(
                new ListenerConfig("rw", new HostPort("0.0.0.0", 5000), ListenerRole.PRIMARY, OptionalLong.empty(), true, false, Optional.empty(),
                        Duration.ofSeconds(5), Duration.ofMillis(500)),
                new ListenerConfig("ro", new HostPort("0.0.0.0", 5001), ListenerRole.REPLICAS, OptionalLong.of(10L << 20), false, false,
                        Optional.of(new CheckSpec("HEAD", "/replica?lag=10485760")), Duration.ofSeconds(10), Duration.ofSeconds(3)),
                new ListenerConfig("all", new HostPort("127.0.0.1", 5002), ListenerRole.ANY, OptionalLong.empty(), true, false,
                        Optional.of(new CheckSpec("GET", "/read-only")), Duration.ofSeconds(10), Duration.ofSeconds(3)));
        assertThat(config.backends()).containsExactly(new BackendConfig("n1", new HostPort("10.0.0.1", 5432), URI.create("http://10.0.0.1:8008")));
        assertThat(config.healthCheck()).isEqualTo(new HealthCheckConfig(Duration.ofSeconds(2), Duration.ofMillis(1500), 3, 4,
                new CheckSpec("GET", "/leader"), new CheckSpec("HEAD", "/replica")));
        assertThat(config.http()).contains(new HostPort("127.0.0.1", 9187));
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void defaultsFollowHaproxyAsPatroniDocumentsIt()
    {
        ProxyConfig config = ProxyConfigParser.parse("""
                proxy:
                  listeners: [{name: rw, bind: 127.0.0.1:5000}]
                  backends: [{name: n1, postgres: 127.0.0.1:5432, api: http://127.0.0.1:8008}]
                """);
        assertThat(config.etcd()).isEmpty();
        assertThat(config.listeners().get(0).role()).isEqualTo(ListenerRole.PRIMARY);
        assertThat(config.healthCheck()).isEqualTo(new HealthCheckConfig(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3,
                new CheckSpec("OPTIONS", "/primary"), new CheckSpec("OPTIONS", "/replica")));
        assertThat(config.http()).isEmpty();
        assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void malformedConfigNamesKeyValueAndExpectedForm()
    {
        assertThatThrownBy(() -> ProxyConfigParser.parse("""
                proxy:
                  listeners:
                    - {name: rw, bind: localhost, role: master-of-the-universe, wait_for_leader: soon}
                  backends: [{name: n1, postgres: 127.0.0.1:99999, api: ftp://x}]
                  health_check: {rise: 0, primary: POST /primary}
                """))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "proxy.health_check.rise is '0', expected a whole number from 1 to 100",
                        "proxy.health_check.primary is 'POST /primary', expected 'METHOD /path' with METHOD GET, HEAD or OPTIONS, e.g. 'OPTIONS /primary' or 'GET /replica?lag=10MB'",
                        "proxy.backends[0].postgres is '127.0.0.1:99999', expected host:port, e.g. 127.0.0.1:5000 ('127.0.0.1:99999' has port 99999, expected 1-65535)",
                        "proxy.backends[0].api is 'ftp://x', expected an http(s) URL such as http://10.0.0.1:8008",
                        "proxy.listeners[0].bind is 'localhost', expected host:port, e.g. 127.0.0.1:5000 (no port)",
                        "proxy.listeners[0].role is 'master-of-the-universe', expected primary, replicas or any",
                        "proxy.listeners[0].wait_for_leader is 'soon', expected a duration such as 10 (seconds), 500ms, 2s or 1min"));
    }

    @Test
    void missingSectionsAndUnknownKeysAreNamed()
    {
        assertThatThrownBy(() -> ProxyConfigParser.parse("scope: demo\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("proxy: missing");
        assertThatThrownBy(() -> ProxyConfigParser.parse("proxy: {listeners: [{bind: 127.0.0.1:5000, rol: primary}]}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("proxy.listeners[0].rol is not a known key")
                .hasMessageContaining("proxy.backends: missing and no etcd3 section");
        assertThatThrownBy(() -> ProxyConfigParser.parse("etcd3: {hosts: 127.0.0.1:2379}\nproxy: {listeners: [{bind: 127.0.0.1:5000}]}"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("scope: missing; expected a cluster name");
    }

    @Test
    void shippedExampleIsValid()
    {
        ProxyConfig config = ProxyConfigParser.parse(ProxyConfigParser.readYaml(java.nio.file.Path.of("proxy.example.yml")));
        assertThat(config.listeners()).extracting(ListenerConfig::role).containsExactly(ListenerRole.PRIMARY, ListenerRole.REPLICAS);
        assertThat(config.etcd()).isPresent();
    }
}
