package io.herd.backup.compress;

import com.aayushatharva.brotli4j.Brotli4jLoader;
import com.aayushatharva.brotli4j.encoder.BrotliOutputStream;
import com.aayushatharva.brotli4j.encoder.Encoder;
import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import io.herd.backup.config.InvalidSettingException;
import net.jpountz.lz4.LZ4FrameInputStream;
import net.jpountz.lz4.LZ4FrameOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Compression codecs and their object-name extensions as WAL-G uses them. lz4, zstd, brotli and none can be
 * written; gzip can also be read. lzma and lzo are recognised (so fetch fails clearly) but not decoded.
 */
public enum Compression
{
    LZ4("lz4", "lz4"),
    LZMA("lzma", "lzma"),
    GZIP("gzip", "gz"),
    NONE("none", ""),
    BROTLI("brotli", "br"),
    LZO("lzo", "lzo"),
    ZSTD("zstd", "zst");

    /** The order in which WAL-G probes extensions when fetching WAL. */
    public static final List<Compression> FETCH_ORDER = List.of(LZ4, LZMA, GZIP, NONE, BROTLI, LZO, ZSTD);

    private static final int BROTLI_QUALITY = 3;
    private static final int ZSTD_LEVEL = 3;

    private final String method;
    private final String extension;

    Compression(String method, String extension)
    {
        this.method = method;
        this.extension = extension;
    }

    /** The WALG_COMPRESSION_METHOD value. */
    public String method()
    {
        return method;
    }

    /** The extension without dot; empty for none. */
    public String extension()
    {
        return extension;
    }

    /** name + "." + extension, or the bare name for none (WAL-G's AddFileExtension). */
    public String addExtension(String name)
    {
        return extension.isEmpty() ? name : name + "." + extension;
    }

    public boolean canWrite()
    {
        return this == LZ4 || this == ZSTD || this == BROTLI || this == NONE;
    }

    public static Compression fromSetting(String name, Optional<String> value)
    {
        if (value.isEmpty()) {
            return LZ4;
        }
        String method = value.get().toLowerCase(Locale.ROOT);
        for (Compression compression : values()) {
            if (compression.method.equals(method) && compression.canWrite()) {
                return compression;
            }
        }
        throw InvalidSettingException.invalid(name, value.get(), "one of lz4, zstd, brotli, none");
    }

    /** The codec whose extension ends the given object name, or NONE if the name has no known extension. */
    public static Compression fromObjectName(String objectName)
    {
        for (Compression compression : values()) {
            if (!compression.extension.isEmpty() && objectName.endsWith("." + compression.extension)) {
                return compression;
            }
        }
        return NONE;
    }

    public OutputStream compress(OutputStream out)
            throws IOException
    {
        switch (this) {
            case LZ4:
                return new LZ4FrameOutputStream(out, LZ4FrameOutputStream.BLOCKSIZE.SIZE_4MB,
                        LZ4FrameOutputStream.FLG.Bits.BLOCK_INDEPENDENCE, LZ4FrameOutputStream.FLG.Bits.CONTENT_CHECKSUM);
            case ZSTD:
                ZstdOutputStream zstd = new ZstdOutputStream(out, ZSTD_LEVEL);
                zstd.setChecksum(true);
                return zstd;
            case BROTLI:
                loadBrotli();
                return new BrotliOutputStream(out, new Encoder.Parameters().setQuality(BROTLI_QUALITY));
            case NONE:
                return new PassThrough(out);
            default:
                throw new IOException("compression method " + method + " cannot be written");
        }
    }

    public InputStream decompress(InputStream in)
            throws IOException
    {
        switch (this) {
            case LZ4:
                return new LZ4FrameInputStream(in);
            case ZSTD:
                return new ZstdInputStream(in);
            case BROTLI:
                loadBrotli();
                return new BrotliDecodingInputStream(in);
            case GZIP:
                return new GZIPInputStream(in);
            case NONE:
                return in;
            default:
                throw new IOException("objects compressed with " + method + " (." + extension + ") cannot be read by herd");
        }
    }

    public byte[] compress(byte[] data)
    {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.max(64, data.length / 2));
        try (OutputStream out = compress(buffer)) {
            out.write(data);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    private static void loadBrotli()
    {
        if (!Brotli4jLoader.isAvailable()) {
            Brotli4jLoader.ensureAvailability();
        }
    }

    /** For NONE: a plain pass-through whose close() closes the target, like the real codecs. */
    private static final class PassThrough
            extends java.io.FilterOutputStream
    {
        PassThrough(OutputStream out)
        {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len)
                throws IOException
        {
            out.write(b, off, len);
        }
    }
}
