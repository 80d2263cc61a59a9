package io.herd.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FencerTest
{
    private TestMember member;
    private Path fencerLog;

    @BeforeAll
    void startPrimary()
    {
        member = new TestMember("fenced").bootstrapPrimary();
        fencerLog = member.directory.resolve("fencer.log");
    }

    @AfterAll
    void stop()
    {
        if (member != null) {
            member.close();
        }
    }

    @BeforeEach
    void ensureRunning()
    {
        if (!member.server.isRunning()) {
            member.server.start();
        }
    }

    @Test
    void armedFencerStopsPostgresWhenNotRenewedInTime()
            throws Exception
    {
        try (Fencer fencer = Fencer.start(member.settings.dataDir(), member.settings.binDir(), fencerLog)) {
            fencer.arm(Duration.ofMillis(500));
            await().atMost(Duration.ofSeconds(5)).until(() -> !member.server.isRunning());
            await().atMost(Duration.ofSeconds(5)).until(() -> !fencer.isAlive());
        }
        assertThat(Files.readString(fencerLog)).contains("deadline passed");
    }

    @Test
    void renewingKeepsPostgresRunning()
            throws Exception
    {
        try (Fencer fencer = Fencer.start(member.settings.dataDir(), member.settings.binDir(), fencerLog)) {
            for (int i = 0; i < 6; i++) {
                fencer.arm(Duration.ofMillis(400));
                Thread.sleep(200);
            }
            fencer.disarm();
            Thread.sleep(600);
            assertThat(member.server.isRunning()).isTrue();
            assertThat(fencer.isAlive()).isTrue();
        }
        assertThat(member.server.isRunning()).isTrue();
    }

    @Test
    void disarmedFencerExitsQuietlyWhenThePipeCloses()
            throws Exception
    {
        Fencer fencer = Fencer.start(member.settings.dataDir(), member.settings.binDir(), fencerLog);
        fencer.arm(Duration.ofSeconds(30));
        fencer.disarm();
        fencer.close();
        assertThat(fencer.isAlive()).isFalse();
        Thread.sleep(300);
        assertThat(member.server.isRunning()).isTrue();
    }

    @Test
    void armedFencerStopsPostgresWhenTheAgentJvmIsKilled()
            throws Exception
    {
        Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        Process agent = new ProcessBuilder(javaExecutable.toString(), "-Xmx32m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                FencerHolderMain.class.getName(), member.settings.dataDir().toString(), member.settings.binDir().toString(), fencerLog.toString())
                .redirectErrorStream(true).start();
        try (var output = new java.io.BufferedReader(new java.io.InputStreamReader(agent.getInputStream()))) {
            java.util.concurrent.CompletableFuture<String> armed = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line = output.readLine(); line != null; line = output.readLine()) {
                        if (line.startsWith("armed ")) {
                            return line;
                        }
                    }
                    return "exited";
                }
                catch (java.io.IOException e) {
                    return e.toString();
                }
            });
            String line = armed.get(30, TimeUnit.SECONDS);
            assertThat(line).startsWith("armed ");
            ProcessHandle fencer = ProcessHandle.of(Long.parseLong(line.substring("armed ".length()))).orElseThrow();

            agent.destroyForcibly(); // SIGKILL: no shutdown hook, the JVM just vanishes
            assertThat(agent.waitFor(5, TimeUnit.SECONDS)).isTrue();

            await().atMost(Duration.ofSeconds(5)).until(() -> !member.server.isRunning());
            assertThat(fencer.onExit().get(5, TimeUnit.SECONDS).isAlive()).isFalse();
            assertThat(Files.readString(fencerLog)).contains("agent went away");
        }
        finally {
            agent.destroyForcibly();
        }
    }

    /**
     * The agent's death is simulated by a holder process that keeps the write end of a FIFO open: it arms the
     * fencer, then sleeps; kill -9 of the holder closes the last write end, as the death of the agent's JVM would.
     */
    @Test
    void armedFencerStopsPostgresWhenTheAgentIsKilled()
            throws Exception
    {
        Path fifo = member.directory.resolve("fencer.fifo");
        Files.deleteIfExists(fifo);
        run("mkfifo", fifo.toString());
        Path script = Fencer.installScript(member.directory.path());
        Process holder = new ProcessBuilder("bash", "-c", "exec 3<>\"$1\"; echo 'arm 30' >&3; exec sleep 600", "_", fifo.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        Process fencer = new ProcessBuilder("setsid", "bash", "-c", "exec bash \"$1\" \"$2\" \"$3\" \"$4\" < \"$5\"", "_", script.toString(),
                member.settings.dataDir().toString(), member.settings.binDir().toString(), fencerLog.toString(), fifo.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true).start();
        try {
            Thread.sleep(500);
            assertThat(member.server.isRunning()).isTrue();
            holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> !member.server.isRunning());
            assertThat(fencer.waitFor(5, TimeUnit.SECONDS)).isTrue();
            assertThat(Files.readString(fencerLog)).contains("agent went away");
        }
        finally {
            holder.destroyForcibly();
            fencer.destroyForcibly();
        }
    }

    private static void run(String... command)
            throws Exception
    {
        Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(new File("/dev/null")).start();
        assertThat(process.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
    }
}
