package io.herd.cli.it;

import io.herd.cli.it.LocalCluster.Node;
import io.herd.testing.PostgresBinaries;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Real faults injected into a real three-node cluster. */
class TestFailover
{
    private LocalCluster cluster;

    @AfterEach
    void stopCluster()
    {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void killedPostmasterOnPrimaryIsBackTakingWrites() throws Exception
    {
        Node primary = formCluster("");
        cluster.killPostmaster(primary);

        awaitWritableLeader("after kill -9 of the primary's postmaster");
        awaitHealthyCluster("after the postmaster came back");
    }

    @Test
    void hostCrashPromotesAReplicaAndTheOldPrimaryRejoinsAsReplica() throws Exception
    {
        Node primary = formCluster("");
        assertThat(cluster.tryWrite(primary, "before-crash")).isTrue();
        // the host dies: agent and PostgreSQL together
        cluster.killAgent(primary);
        cluster.killPostmaster(primary);

        Node newLeader = awaitWritableLeader("after the primary's host crashed");
        assertThat(newLeader).isNotEqualTo(primary);
        assertThat(rows(newLeader)).contains("before-crash");

        cluster.startAgent(primary);
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> cluster.view().member(primary.name)
                    .map(m -> m.role().equals("replica") && m.state().equals("running")).orElse(false));
        }
        catch (RuntimeException | Error e) {
            throw new AssertionError("the old primary did not come back as a replica:\n" + cluster.logs(), e);
        }
        awaitHealthyCluster("after the old primary rejoined");
        assertThat(cluster.leader()).contains(newLeader.name);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(rows(primary)).contains("before-crash"));
        assertThat(cluster.tryWrite(primary, "must-fail")).isFalse();
        assertThat(cluster.view().history().entries()).hasSize(1);
    }

    @Test
    void formerPrimaryAlreadyRunningPastTheForkWhenItsAgentStartsIsRewoundAndStreams() throws Exception
    {
        Node primary = formCluster("");
        assertThat(cluster.tryWrite(primary, "before-crash")).isTrue();
        // the primary's walsenders freeze (a network hiccup): it commits WAL no replica receives, then the host dies
        List<Long> walSenders = walSenderPids(primary);
        assertThat(walSenders).hasSize(2);
        signal("STOP", walSenders);
        assertThat(cluster.tryWrite(primary, "diverged")).isTrue();
        cluster.killAgent(primary);
        cluster.killPostmaster(primary);
        signal("KILL", walSenders);
        Node newLeader = awaitWritableLeader("after the primary's host crashed");
        assertThat(rows(newLeader)).contains("before-crash").doesNotContain("diverged");

        // someone starts the old primary's PostgreSQL read-only by hand, following nobody: it replays its own WAL to
        // the end, past the point where the new leader's timeline forked off, and can never follow the new leader
        Path data = primary.dir.resolve("data");
        Files.createFile(data.resolve("standby.signal"));
        Process start = new ProcessBuilder(PostgresBinaries.require().resolve("pg_ctl").toString(), "start", "-w", "-t", "60", "-D", data.toString(),
                "-l", primary.dir.resolve("manual-start.log").toString())
                .redirectErrorStream(true).start();
        assertThat(start.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(start.exitValue()).as(new String(start.getInputStream().readAllBytes())).isZero();

        cluster.startAgent(primary);
        awaitHealthyCluster("after the agent found its replica past the fork");
        assertThat(cluster.leader()).contains(newLeader.name);
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(rows(primary)).contains("before-crash"));
        assertThat(cluster.log(primary)).contains("replayed WAL past the point where");
        assertThat(rows(primary)).doesNotContain("diverged");
    }

    private List<Long> walSenderPids(Node node) throws Exception
    {
        return column(node, "SELECT pid FROM pg_stat_replication").stream().map(Long::parseLong).toList();
    }

    /** kill -SIG on processes of this test's own PostgreSQL servers, by PID. */
    private static void signal(String signal, List<Long> pids) throws Exception
    {
        for (long pid : pids) {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void cleanStopOfTheLeadersAgentHandsOverWithoutWaitingForTheLease() throws Exception
    {
        // a long lease: only a released key explains a failover well inside it
        Node primary = formCluster("    ttl: 30\n    loop_wait: 2\n    retry_timeout: 5\n");
        long stopped = System.nanoTime();
        cluster.stopAgent(primary);

        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> cluster.leader().filter(name -> !name.equals(primary.name)).isPresent());
        assertThat(Duration.ofNanos(System.nanoTime() - stopped)).isLessThan(Duration.ofSeconds(30));
        awaitWritableLeader("after a clean stop of the leader's agent");
        assertThat(cluster.postmasterPid(primary)).isEmpty();
    }

    @Test
    void primaryStopsTakingWritesWhenEtcdIsGoneAndClusterRecoversWhenItReturns() throws Exception
    {
        Node primary = formCluster("");
        cluster.etcd().kill();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> !cluster.tryWrite(primary, "during-outage"));
            for (Node node : cluster.nodes()) {
                assertThat(cluster.httpStatus(node, "GET", "/primary")).isEqualTo(503);
            }
        }
        finally {
            cluster.etcd().start();
        }
        awaitWritableLeader("after etcd returned");
        awaitHealthyCluster("after etcd returned");
    }

    @Test
    void agentKilledAloneFencesItsPrimaryBeforeAnotherMemberIsPromoted() throws Exception
    {
        Node primary = formCluster("    ttl: 10\n    loop_wait: 1\n    retry_timeout: 3\n");
        cluster.killAgent(primary);
        long killed = System.nanoTime();

        AtomicLong writesStopped = new AtomicLong();
        AtomicLong newLeaderSeen = new AtomicLong();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            if (writesStopped.get() == 0 && !cluster.tryWrite(primary, "after-agent-death")) {
                writesStopped.set(System.nanoTime());
            }
            if (newLeaderSeen.get() == 0 && cluster.leader().filter(name -> !name.equals(primary.name)).isPresent()) {
                newLeaderSeen.set(System.nanoTime());
            }
            return writesStopped.get() != 0 && newLeaderSeen.get() != 0;
        });
        assertThat(writesStopped.get()).as("writes stopped before a new leader existed").isLessThan(newLeaderSeen.get());
        assertThat(Duration.ofNanos(writesStopped.get() - killed)).isLessThan(Duration.ofSeconds(10));
        awaitWritableLeader("after the old primary's agent died");
    }

    private Node formCluster(String dcsExtra) throws IOException
    {
        cluster = LocalCluster.start(3, dcsExtra);
        awaitHealthyCluster("at start");
        return cluster.node(cluster.leader().orElseThrow());
    }

    private void awaitHealthyCluster(String when)
    {
        try {
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.leader().isPresent() && cluster.streamingReplicas() == cluster.nodes().size() - 1);
        }
        catch (RuntimeException | Error e) {
            throw new AssertionError("no healthy cluster " + when + ":\n" + cluster.logs(), e);
        }
    }

    private Node awaitWritableLeader(String when)
    {
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> cluster.leader().map(name -> cluster.tryWrite(cluster.node(name), "probe")).orElse(false));
        }
        catch (RuntimeException | Error e) {
            throw new AssertionError("no writable leader " + when + ":\n" + cluster.logs(), e);
        }
        return cluster.node(cluster.leader().orElseThrow());
    }

    private List<String> rows(Node node) throws Exception
    {
        return column(node, "SELECT value FROM it_writes");
    }

    private List<String> column(Node node, String query) throws Exception
    {
        List<String> values = new ArrayList<>();
        try (Connection connection = cluster.connect(node); Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        return values;
    }
}
