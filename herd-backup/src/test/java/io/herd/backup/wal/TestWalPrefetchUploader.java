package io.herd.backup.wal;

import io.herd.backup.compress.Compression;
import io.herd.backup.storage.FileStorage;
import io.herd.backup.storage.Storage;
import io.herd.backup.storage.StoredBlob;
import io.herd.backup.storage.StoredObject;
import io.herd.backup.storage.UploadStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(60)
class TestWalPrefetchUploader
{
    private static final long SEGMENT = 1 << 20;
    private static final String S1 = "000000010000000000000001";
    private static final String S2 = "000000010000000000000002";
    private static final String S3 = "000000010000000000000003";
    private static final String S4 = "000000010000000000000004";

    @TempDir
    Path temp;
    private Path pgWal;
    private CountingStorage storage;

    @BeforeEach
    void setUp()
            throws IOException
    {
        pgWal = Files.createDirectories(temp.resolve("pgdata/pg_wal"));
        Files.createDirectories(pgWal.resolve("archive_status"));
        storage = new CountingStorage(new FileStorage(Files.createDirectories(temp.resolve("archive"))));
    }

    @Test
    void lookAheadUploadsTheNextReadySegmentsOfTheSameTimeline()
            throws Exception
    {
        for (String name : List.of(S1, S2, S3, S4)) {
            ready(name, name.hashCode());
        }
        ready("000000020000000000000005", 5);
        Files.writeString(pgWal.resolve("00000002.history"), "1\t0/5000000\tno recovery target specified\n");
        Files.createFile(pgWal.resolve("archive_status/00000002.history.ready"));
        try (WalPrefetchUploader uploader = new WalPrefetchUploader(archive(false), pgWal, 2, 2)) {
            assertThat(uploader.push(pgWal.resolve(S1))).isEqualTo(WalArchive.PushResult.UPLOADED);
            awaitPuts(S2, 1);
            awaitPuts(S3, 1);
            Thread.sleep(200);
            assertThat(storage.puts(S4)).as("only lookAhead segments ahead").isZero();
            assertThat(storage.puts("000000020000000000000005")).as("other timeline").isZero();
            assertThat(storage.puts("00000002.history")).isZero();
        }
        try (var status = Files.list(pgWal.resolve("archive_status"))) {
            assertThat(status.map(path -> path.getFileName().toString()))
                    .as("archive_status is PostgreSQL's to change")
                    .allMatch(name -> name.endsWith(".ready"))
                    .hasSize(6);
        }
    }

    @Test
    void pushOfAPreUploadedSegmentAnswersWithoutUploadingAgain()
            throws Exception
    {
        for (String name : List.of(S1, S2, S3)) {
            ready(name, name.hashCode());
        }
        WalArchive archive = archive(false);
        try (WalPrefetchUploader uploader = new WalPrefetchUploader(archive, pgWal, 2)) {
            uploader.push(pgWal.resolve(S1));
            awaitPuts(S2, 1);
            done(S1);
            assertThat(uploader.push(pgWal.resolve(S2))).isEqualTo(WalArchive.PushResult.UPLOADED);
            assertThat(storage.puts(S2)).isEqualTo(1);
            awaitPuts(S3, 1);
            done(S2);
            assertThat(uploader.push(pgWal.resolve(S3))).isEqualTo(WalArchive.PushResult.UPLOADED);
            assertThat(storage.puts(S1) + storage.puts(S2) + storage.puts(S3)).isEqualTo(3);
        }
        for (String name : List.of(S1, S2, S3)) {
            Path restored = temp.resolve("restored-" + name);
            assertThat(archive.fetch(name, restored)).isEqualTo(WalArchive.FetchResult.FETCHED);
            assertThat(restored).hasSameBinaryContentAs(pgWal.resolve(name));
        }
    }

    @Test
    void failedLookAheadUploadIsRedoneOnTheRealRequest()
            throws Exception
    {
        ready(S1, 1);
        ready(S2, 2);
        storage.failNextPutOf(S2);
        WalArchive archive = archive(false);
        try (WalPrefetchUploader uploader = new WalPrefetchUploader(archive, pgWal, 2)) {
            uploader.push(pgWal.resolve(S1));
            awaitPuts(S2, 1);
            assertThat(archive.contains(S2)).as("the look-ahead upload failed").isFalse();
            assertThat(uploader.push(pgWal.resolve(S2))).isEqualTo(WalArchive.PushResult.UPLOADED);
            assertThat(storage.puts(S2)).isEqualTo(2);
            assertThat(archive.contains(S2)).isTrue();
        }
    }

    @Test
    void segmentChangedAfterItsLookAheadUploadIsPushedAgain()
            throws Exception
    {
        ready(S1, 1);
        ready(S2, 2);
        try (WalPrefetchUploader uploader = new WalPrefetchUploader(archive(false), pgWal, 2)) {
            uploader.push(pgWal.resolve(S1));
            awaitPuts(S2, 1);
            Thread.sleep(100); // let the upload finish its after-upload check
            Files.write(pgWal.resolve(S2), content(22));
            Files.setLastModifiedTime(pgWal.resolve(S2), FileTime.fromMillis(System.currentTimeMillis() + 5_000));
            uploader.push(pgWal.resolve(S2));
            assertThat(storage.puts(S2)).isEqualTo(2);
        }
    }

    @Test
    void differentContentIsStillRefusedWithPreventOverwrite()
            throws Exception
    {
        Path other = Files.createDirectories(temp.resolve("other"));
        Files.write(other.resolve(S2), content(99));
        WalArchive archive = archive(true);
        archive.push(other.resolve(S2));
        ready(S1, 1);
        ready(S2, 2);
        try (WalPrefetchUploader uploader = new WalPrefetchUploader(archive, pgWal, 2)) {
            uploader.push(pgWal.resolve(S1));
            Thread.sleep(300); // the look-ahead upload of S2 runs into the existing object and fails
            assertThatThrownBy(() -> uploader.push(pgWal.resolve(S2))).isInstanceOf(WalOverwriteException.class);
            assertThatThrownBy(() -> uploader.push(pgWal.resolve(S2))).isInstanceOf(WalOverwriteException.class);
        }
        assertThat(storage.puts(S2)).isEqualTo(1);
    }

    @Test
    void filesOutsidePgWalAndConcurrencyOneArePlainPushes()
            throws Exception
    {
        ready(S1, 1);
        ready(S2, 2);
        try (WalPrefetchUploader uploader = new WalPrefetchUploader(archive(false), pgWal, 1)) {
            uploader.push(pgWal.resolve(S1));
            Thread.sleep(200);
            assertThat(storage.puts(S2)).isZero();
        }
        Path elsewhere = Files.createDirectories(temp.resolve("elsewhere"));
        Files.write(elsewhere.resolve(S3), content(3));
        try (WalPrefetchUploader uploader = new WalPrefetchUploader(archive(false), pgWal, 4)) {
            uploader.push(elsewhere.resolve(S3));
            Thread.sleep(200);
            assertThat(storage.puts(S2)).isZero();
        }
    }

    private WalArchive archive(boolean preventOverwrite)
    {
        return new WalArchive(storage, Compression.LZ4, preventOverwrite, SEGMENT);
    }

    private void ready(String name, long seed)
            throws IOException
    {
        Files.write(pgWal.resolve(name), content(seed));
        Files.createFile(pgWal.resolve("archive_status/" + name + ".ready"));
    }

    /** What PostgreSQL does after archive_command succeeded. */
    private void done(String name)
            throws IOException
    {
        Files.move(pgWal.resolve("archive_status/" + name + ".ready"), pgWal.resolve("archive_status/" + name + ".done"));
    }

    private static byte[] content(long seed)
    {
        byte[] content = new byte[(int) SEGMENT];
        Random random = new Random(seed);
        for (int i = 0; i < content.length; i += 64) {
            content[i] = (byte) random.nextInt();
        }
        return content;
    }

    private void awaitPuts(String name, int count)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (storage.puts(name) < count) {
            assertThat(System.nanoTime()).as("waiting for %s upload(s) of %s", count, name).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** FileStorage that counts put attempts per WAL file name and can fail the next put of a name. */
    private static final class CountingStorage
            implements Storage
    {
        private final Storage delegate;
        private final Map<String, AtomicInteger> puts = new ConcurrentHashMap<>();
        private final Set<String> failNext = ConcurrentHashMap.newKeySet();

        CountingStorage(Storage delegate)
        {
            this.delegate = delegate;
        }

        void failNextPutOf(String name)
        {
            failNext.add(name);
        }

        int puts(String name)
        {
            AtomicInteger count = puts.get(name);
            return count == null ? 0 : count.get();
        }

        @Override
        public void put(String key, byte[] data, Map<String, String> metadata)
                throws IOException
        {
            String name = key.substring(key.lastIndexOf('/') + 1).replaceFirst("\\.lz4$", "");
            try {
                if (failNext.remove(name)) {
                    throw new IOException("injected failure writing " + key);
                }
                delegate.put(key, data, metadata);
            }
            finally {
                puts.computeIfAbsent(name, ignored -> new AtomicInteger()).incrementAndGet();
            }
        }

        @Override
        public UploadStream create(String key)
                throws IOException
        {
            throw new UnsupportedOperationException("WAL pushes use put");
        }

        @Override
        public Optional<StoredBlob> get(String key)
                throws IOException
        {
            return delegate.get(key);
        }

        @Override
        public boolean exists(String key)
                throws IOException
        {
            return delegate.exists(key);
        }

        @Override
        public List<StoredObject> list(String prefix)
                throws IOException
        {
            return delegate.list(prefix);
        }

        @Override
        public void delete(Collection<String> keys)
                throws IOException
        {
            delegate.delete(keys);
        }

        @Override
        public String location()
        {
            return delegate.location();
        }
    }
}
