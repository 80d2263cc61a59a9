package io.herd.backup;

import io.herd.backup.compress.Compression;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TestCompression
{
    private static final List<Compression> WRITABLE = List.of(Compression.LZ4, Compression.ZSTD, Compression.BROTLI, Compression.NONE);

    @Test
    void everyMethodRoundTrips()
            throws Exception
    {
        for (int size : new int[] {0, 1, 100_000, 16 << 20}) {
            byte[] data = sample(size);
            for (Compression compression : WRITABLE) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                try (OutputStream out = compression.compress(buffer)) {
                    for (int offset = 0; offset < data.length; offset += 70_000) {
                        out.write(data, offset, Math.min(70_000, data.length - offset));
                    }
                }
                try (InputStream in = compression.decompress(new ByteArrayInputStream(buffer.toByteArray()))) {
                    assertThat(in.readAllBytes()).as("%s of %d bytes", compression, size).isEqualTo(data);
                }
            }
        }
    }

    @Test
    void truncatedStreamsFail()
    {
        byte[] data = sample(4 << 20);
        for (Compression compression : List.of(Compression.LZ4, Compression.ZSTD, Compression.BROTLI)) {
            byte[] compressed = compression.compress(data);
            byte[] truncated = Arrays.copyOf(compressed, compressed.length - 7);
            assertThatThrownBy(() -> {
                try (InputStream in = compression.decompress(new ByteArrayInputStream(truncated))) {
                    in.readAllBytes();
                }
            }).as("%s", compression).isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void extensions()
    {
        assertThat(Compression.BROTLI.addExtension("00000002.history")).isEqualTo("00000002.history.br");
        assertThat(Compression.ZSTD.addExtension("x")).isEqualTo("x.zst");
        assertThat(Compression.NONE.addExtension("x")).isEqualTo("x");
        assertThat(Compression.fromObjectName("part_001.tar.lz4")).isEqualTo(Compression.LZ4);
        assertThat(Compression.fromObjectName("000000010000000000000002.00000060.backup.br")).isEqualTo(Compression.BROTLI);
    }

    private static byte[] sample(int size)
    {
        byte[] data = new byte[size];
        Random random = new Random(size);
        for (int i = 0; i < size; i += 4096) {
            byte[] chunk = new byte[Math.min(1500, size - i)];
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, data, i, chunk.length);
        }
        return data;
    }
}
