package io.herd.cli.it;

import io.herd.cli.Herd;
import io.herd.testing.FreePorts;
import io.herd.testing.PostgresBinaries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code herd demo} as a user runs it, on ports of its own. */
class TestDemo
{
    @TempDir
    Path dir;

    @Test
    void demoBringsUpAClusterAndPrintsHowToConnect() throws Exception
    {
        PostgresBinaries.requireNotRoot();
        Result result = runDemo("--once", "--dir", dir.resolve("demo").toString(), "--etcd-port", Integer.toString(freeBlock(2)),
                "--pg-port", Integer.toString(freeBlock(3)), "--api-port", Integer.toString(freeBlock(3)), "--s3-port", Integer.toString(FreePorts.next()), "--proxy-port", Integer.toString(freeBlock(3)));

        assertThat(result.exitCode()).as(() -> result.output() + logs(dir.resolve("demo"))).isZero();
        assertThat(result.output()).contains("Cluster: demo (", "Leader", "streaming", "target_session_attrs=read-write", "targetServerType=primary",
                "aws --endpoint-url http://127.0.0.1:", "Connect through herd proxy", "s3 ls s3://herd-demo/spilo/demo --recursive", "demo stopped");
    }

    @Test
    void demoRefusesWhenAPortIsTaken() throws Exception
    {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Result result = runDemo("--once", "--dir", dir.resolve("demo").toString(), "--pg-port", Integer.toString(taken.getLocalPort()),
                    "--etcd-port", Integer.toString(FreePorts.next()), "--api-port", Integer.toString(FreePorts.next()));
            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.output()).contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use");
        }
    }

    private static String logs(Path demo)
    {
        StringBuilder out = new StringBuilder();
        for (String name : List.of("node1.log", "node2.log", "node3.log", "proxy.log", "s3proxy.log")) {
            try {
                String text = java.nio.file.Files.readString(demo.resolve(name));
                out.append("\n==== ").append(name).append(" ====\n").append(text.length() > 5000 ? text.substring(text.length() - 5000) : text);
            }
            catch (java.io.IOException e) {
                out.append("\n(no ").append(name).append(")");
            }
        }
        return out.toString();
    }

    /** The first of {@code size} consecutive free loopback ports (the demo numbers its nodes' ports upwards). */
    private static int freeBlock(int size) throws Exception
    {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = FreePorts.next();
            boolean free = true;
            for (int port = base + 1; port < base + size && free; port++) {
                try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
                    free = true;
                }
                catch (java.io.IOException e) {
                    free = false;
                }
            }
            if (free && base + size <= 65535) {
                return base;
            }
        }
        throw new IllegalStateException("no block of " + size + " free ports");
    }

    private static Result runDemo(String... args) throws Exception
    {
        String javaBinary = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(javaBinary, "-cp", System.getProperty("java.class.path"), Herd.class.getName(), "demo"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private record Result(int exitCode, String output) {}
}
