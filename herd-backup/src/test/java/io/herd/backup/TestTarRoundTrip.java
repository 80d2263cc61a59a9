package io.herd.backup;

import io.herd.backup.base.DataDirectoryScanner;
import io.herd.backup.base.DataFile;
import io.herd.backup.base.TarExtractor;
import io.herd.backup.base.TarPart;
import io.herd.backup.base.TarPartWriter;
import io.herd.backup.compress.Compression;
import io.herd.backup.storage.FileStorage;
import io.herd.backup.storage.StoredBlob;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestTarRoundTrip
{
    @TempDir
    Path temp;

    @Test
    void everyCompressionRoundTripsAWalgStyleTar()
            throws Exception
    {
        Path pgData = Files.createDirectories(temp.resolve("pgdata"));
        Files.createDirectories(pgData.resolve("base/1"));
        Files.createDirectories(pgData.resolve("global"));
        Files.createDirectories(pgData.resolve("pg_wal/archive_status"));
        Files.createDirectories(pgData.resolve("base/pgsql_tmp"));
        byte[] relation = new byte[3 << 20];
        new Random(3).nextBytes(relation);
        Files.write(pgData.resolve("base/1/1259"), relation);
        Files.writeString(pgData.resolve("PG_VERSION"), "15\n");
        Files.write(pgData.resolve("global/pg_control"), new byte[8192]);
        Files.write(pgData.resolve("pg_wal/000000010000000000000001"), new byte[1024]);
        Files.writeString(pgData.resolve("postmaster.pid"), "123\n");
        Files.write(pgData.resolve("base/pgsql_tmp/pgsql_tmp1.0"), new byte[10]);
        Files.writeString(pgData.resolve("d".repeat(120) + ".conf"), "long name\n");

        List<DataFile> files = DataDirectoryScanner.scan(pgData);
        assertThat(files).extracting(DataFile::tarPath)
                .contains("/base", "/base/1", "/base/1/1259", "/PG_VERSION", "/pg_wal", "/global")
                .doesNotContain("/pg_wal/000000010000000000000001", "/pg_wal/archive_status", "/postmaster.pid", "/global/pg_control", "/base/pgsql_tmp");

        FileStorage storage = new FileStorage(Files.createDirectories(temp.resolve("storage")));
        for (Compression compression : List.of(Compression.LZ4, Compression.ZSTD, Compression.BROTLI, Compression.NONE)) {
            String key = "t/" + compression.addExtension("part_001.tar");
            TarPart part = TarPartWriter.write(key, files, Map.of("backup_label", "START WAL LOCATION: 0/2000028\n".getBytes()), compression, storage.create(key));
            assertThat(part.paths()).contains("/base/1/1259", "backup_label");

            // entry names begin with '/', as WAL-G writes them
            List<String> names = new ArrayList<>();
            try (StoredBlob blob = storage.get(key).orElseThrow();
                    TarArchiveInputStream tar = new TarArchiveInputStream(compression.decompress(blob.content()))) {
                TarArchiveEntry entry;
                while ((entry = tar.getNextEntry()) != null) {
                    names.add(entry.getName());
                }
            }
            assertThat(names).contains("/base/1/1259", "/PG_VERSION", "/pg_wal/");
            if (compression == Compression.NONE) {
                // long names go into a PAX header, also with the leading '/' (commons-compress strips it when reading)
                String raw = new String(Files.readAllBytes(temp.resolve("storage").resolve(key)), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(raw).contains("path=/" + "d".repeat(120) + ".conf");
            }

            Path target = Files.createDirectories(temp.resolve("restore-" + compression));
            try (StoredBlob blob = storage.get(key).orElseThrow(); InputStream in = blob.content()) {
                TarExtractor.extract(key, in, compression, Optional.of(part.checksum()), target);
            }
            assertThat(Files.readAllBytes(target.resolve("base/1/1259"))).isEqualTo(relation);
            assertThat(target.resolve("pg_wal")).isEmptyDirectory();
            assertThat(target.resolve("backup_label")).hasContent("START WAL LOCATION: 0/2000028");
            assertThat(target.resolve("d".repeat(120) + ".conf")).hasContent("long name");
        }
    }

    @Test
    void aPartThatFailsMidwayLeavesNoObject()
            throws Exception
    {
        Path pgData = Files.createDirectories(temp.resolve("failing"));
        byte[] relation = new byte[2 << 20];
        new Random(5).nextBytes(relation);
        Files.write(pgData.resolve("16384"), relation);
        // a directory where a file is expected: reading it fails after the first entry is in the stream
        Files.createDirectories(pgData.resolve("16385"));
        List<DataFile> entries = List.of(
                new DataFile("/base/1/16384", pgData.resolve("16384"), false, relation.length, Instant.now()),
                new DataFile("/base/1/16385", pgData.resolve("16385"), false, 8192, Instant.now()));
        Path root = Files.createDirectories(temp.resolve("failing-storage"));
        FileStorage storage = new FileStorage(root);

        assertThatThrownBy(() -> TarPartWriter.write("t/part_001.tar.zst", entries, Map.of(), Compression.ZSTD, storage.create("t/part_001.tar.zst")))
                .isInstanceOf(IOException.class);

        assertThat(storage.exists("t/part_001.tar.zst")).isFalse();
        try (var left = Files.walk(root)) {
            assertThat(left.filter(Files::isRegularFile)).as("no object and no temporary file").isEmpty();
        }
    }
}
