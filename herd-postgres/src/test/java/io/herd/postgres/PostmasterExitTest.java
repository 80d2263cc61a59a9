package io.herd.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostmasterExitTest
{
    private TestMember member;

    @BeforeAll
    void startPrimary()
    {
        member = new TestMember("crashy").bootstrapPrimary();
    }

    @AfterAll
    void stop()
    {
        if (member != null) {
            member.close();
        }
    }

    @Test
    void onExitOfTheStartingServerCompletesAfterKill9()
            throws Exception
    {
        ensureRunning();
        CompletableFuture<Void> exit = member.server.onExit();
        assertThat(exit).isNotDone();
        kill9(member.server.postmasterPid().orElseThrow());
        exit.get(1, TimeUnit.SECONDS);
        assertThat(member.server.isRunning()).isFalse();
    }

    @Test
    void onExitOfAPostmasterFoundRunningCompletesAfterKill9()
            throws Exception
    {
        ensureRunning();
        PostgresServer restartedAgent = new PostgresServer(member.settings);
        CompletableFuture<Void> exit = restartedAgent.onExit();
        assertThat(exit).isNotDone();
        kill9(restartedAgent.postmasterPid().orElseThrow());
        exit.get(1, TimeUnit.SECONDS);
    }

    @Test
    void crashedPrimaryStartsAgainAfterCrashRecovery()
    {
        ensureRunning();
        kill9(member.server.postmasterPid().orElseThrow());
        assertThat(member.server.controlData().state()).isEqualTo(ControlData.IN_PRODUCTION);
        assertThat(member.server.controlData().wasPrimary()).isTrue();
        member.server.start();
        assertThat(member.server.status().inRecovery()).isFalse();
    }

    private void ensureRunning()
    {
        if (!member.server.isRunning()) {
            member.server.start();
        }
    }

    private static void kill9(long pid)
    {
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
        handle.destroyForcibly();
        handle.onExit().orTimeout(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS).join();
    }
}
