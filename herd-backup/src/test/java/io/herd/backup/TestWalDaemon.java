package io.herd.backup;

import io.herd.backup.daemon.DaemonClient;
import io.herd.backup.daemon.DaemonProtocol;
import io.herd.backup.daemon.WalDaemon;
import io.herd.backup.wal.WalPrefetchUploader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class TestWalDaemon
{
    @TempDir
    Path temp;

    @Test
    @Timeout(60)
    void clientSpeakingWalgFramingPushesAndFetches()
            throws Exception
    {
        Path pgData = Files.createDirectories(temp.resolve("pgdata"));
        Files.createDirectories(pgData.resolve("pg_wal"));
        byte[] content = new byte[16 << 20];
        content[0] = 0x10;
        content[content.length - 1] = 0x7f;
        Files.write(pgData.resolve("pg_wal/000000010000000000000007"), content);
        Map<String, String> env = Map.of("WALG_FILE_PREFIX", Files.createDirectories(temp.resolve("archive")).toString());
        Path socket = temp.resolve("walg.sock");
        try (BackupService service = BackupService.fromEnv(env);
                WalDaemon daemon = new WalDaemon(service.walArchive(), Optional.of(pgData), socket, 2)) {
            daemon.start();
            // raw frames, byte for byte as walg-daemon-client sends them: check, then push with a bare file name
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(socket));
                OutputStream out = Channels.newOutputStream(channel);
                InputStream in = Channels.newInputStream(channel);
                out.write(new byte[] {'C', 0, 3});
                assertThat(in.read()).isEqualTo('O');
                byte[] name = "000000010000000000000007".getBytes(StandardCharsets.US_ASCII);
                out.write(new byte[] {'F', 0, (byte) (name.length + 3)});
                out.write(name);
                assertThat(in.read()).isEqualTo('O');
                assertThat(in.read()).as("connection closed after the push reply").isEqualTo(-1);
            }
            assertThat(service.storage().exists("wal_005/000000010000000000000007.lz4")).isTrue();

            DaemonClient client = new DaemonClient(socket);
            assertThat(client.walFetch("000000010000000000000007", "pg_wal/RECOVERYXLOG")).isEqualTo(DaemonProtocol.OK);
            assertThat(Files.readAllBytes(pgData.resolve("pg_wal/RECOVERYXLOG"))).isEqualTo(content);
            assertThat(client.walFetch("000000010000000000000008", "pg_wal/RECOVERYXLOG2")).isEqualTo(DaemonProtocol.NOT_FOUND);
            assertThat(client.walPush("000000010000000000000099")).isEqualTo(DaemonProtocol.ERROR);
            assertThat(client.check()).isEqualTo(DaemonProtocol.OK);

            // concurrent clients
            Thread[] threads = new Thread[4];
            byte[][] replies = new byte[threads.length][];
            for (int i = 0; i < threads.length; i++) {
                int index = i;
                threads[i] = new Thread(() -> {
                    try {
                        replies[index] = new byte[] {client.walFetch("000000010000000000000007", temp.resolve("c" + index).toString())};
                    }
                    catch (Exception e) {
                        replies[index] = new byte[] {'X'};
                    }
                });
                threads[i].start();
            }
            for (Thread thread : threads) {
                thread.join(30_000);
            }
            for (byte[] reply : replies) {
                assertThat(reply).containsExactly(DaemonProtocol.OK);
            }
        }
        assertThat(socket).doesNotExist();
    }

    @Test
    @Timeout(60)
    void pushLooksAheadAtReadySegmentsAndAnswersFromThem()
            throws Exception
    {
        Path pgWal = Files.createDirectories(temp.resolve("pgdata/pg_wal/archive_status")).getParent();
        for (int i = 1; i <= 3; i++) {
            byte[] content = new byte[16 << 20];
            content[i] = (byte) i;
            Files.write(pgWal.resolve("00000001000000000000000" + i), content);
            Files.createFile(pgWal.resolve("archive_status/00000001000000000000000" + i + ".ready"));
        }
        Map<String, String> env = Map.of("WALG_FILE_PREFIX", Files.createDirectories(temp.resolve("archive")).toString());
        Path socket = temp.resolve("walg.sock");
        try (BackupService service = BackupService.fromEnv(env);
                WalPrefetchUploader lookAhead = new WalPrefetchUploader(service.walArchive(), pgWal, 3);
                WalDaemon daemon = new WalDaemon(service.walArchive(), Optional.of(lookAhead), Optional.of(pgWal.getParent()), socket, 2)) {
            daemon.start();
            DaemonClient client = new DaemonClient(socket);
            assertThat(client.walPush(pgWal.resolve("000000010000000000000001").toString())).isEqualTo(DaemonProtocol.OK);
            // segments 2 and 3 were .ready: they go up without being asked for
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!service.storage().exists("wal_005/000000010000000000000003.lz4")) {
                assertThat(System.nanoTime()).as("look-ahead upload of segment 3").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(client.walPush("000000010000000000000002")).isEqualTo(DaemonProtocol.OK);
            assertThat(client.walPush("000000010000000000000003")).isEqualTo(DaemonProtocol.OK);
            assertThat(client.walFetch("000000010000000000000003", "pg_wal/RECOVERYXLOG")).isEqualTo(DaemonProtocol.OK);
            assertThat(pgWal.resolve("RECOVERYXLOG")).hasSameBinaryContentAs(pgWal.resolve("000000010000000000000003"));
            assertThat(pgWal.resolve("archive_status/000000010000000000000002.ready")).as("left to PostgreSQL").exists();
        }
    }

    @Test
    void argumentBlockRoundTrips()
            throws Exception
    {
        byte[] encoded = DaemonProtocol.encodeArguments("000000010000000000000001", "pg_wal/RECOVERYXLOG");
        assertThat(encoded[0]).isEqualTo((byte) 2);
        assertThat(encoded[1]).isEqualTo((byte) 0);
        assertThat(encoded[2]).isEqualTo((byte) 24);
        assertThat(DaemonProtocol.decodeArguments(encoded)).containsExactly("000000010000000000000001", "pg_wal/RECOVERYXLOG");
    }
}
