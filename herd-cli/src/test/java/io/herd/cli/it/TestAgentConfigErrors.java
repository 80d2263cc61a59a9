package io.herd.cli.it;

import io.herd.cli.Herd;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code herd agent} with a bad configuration: a clear message, a non-zero exit, and the data directory untouched. */
class TestAgentConfigErrors
{
    @TempDir
    Path dir;

    @Test
    void invalidValuesAreNamedAndNothingIsTouched() throws Exception
    {
        Path dataDir = dir.resolve("data");
        Path config = dir.resolve("bad.yml");
        Files.writeString(config, """
                scope: it
                name: node1
                restapi:
                  listen: 127.0.0.1:http
                etcd3:
                  hosts: 127.0.0.1:2379
                postgresql:
                  listen: 127.0.0.1:5432
                  data_dir: %s
                  authentication:
                    superuser: {username: postgres}
                tags:
                  nofailover: sometimes
                """.formatted(dataDir));

        Result result = runAgent(config);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains(
                "restapi.listen is '127.0.0.1:http', expected host:port",
                "postgresql.authentication.replication: missing; expected a mapping with username and password",
                "tags.nofailover is 'sometimes', expected true or false");
        assertThat(dataDir).doesNotExist();
    }

    @Test
    void unreadableYamlIsReportedWithItsLine() throws Exception
    {
        Path config = dir.resolve("broken.yml");
        Files.writeString(config, "scope: it\nrestapi: [\n");

        Result result = runAgent(config);

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.output()).contains("is not valid YAML", "line");
    }

    @Test
    void validateConfigAcceptsAPatroniConfiguration() throws Exception
    {
        Path config = dir.resolve("good.yml");
        Files.writeString(config, """
                scope: it
                name: node1
                restapi: {listen: 127.0.0.1:8008, connect_address: 127.0.0.1:8008}
                etcd3: {hosts: 127.0.0.1:2379}
                postgresql:
                  listen: 127.0.0.1:5432
                  data_dir: %s
                  authentication:
                    superuser: {username: postgres, password: a}
                    replication: {username: replicator, password: b}
                watchdog: {mode: automatic}
                """.formatted(dir.resolve("data")));

        Result result = runAgent(config, "--validate-config");

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("configuration is valid");
    }

    private static Result runAgent(Path config, String... extra) throws Exception
    {
        String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBinary, "-cp", System.getProperty("java.class.path"), Herd.class.getName(), "agent", config.toString()));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output) {}
}
