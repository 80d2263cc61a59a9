package io.herd.backup.base;

import io.herd.backup.compress.Compression;
import io.herd.backup.storage.UploadStream;
import io.herd.backup.wal.Digests;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes entries into one tar (POSIX/PAX headers, names with a leading '/', as WAL-G writes them), compresses it and
 * streams it into an upload while hashing the uploaded bytes. A file's size is fixed when its header is written:
 * a file that grows is cut there, one that shrinks is padded with zeros (WAL replay repairs both).
 */
public final class TarPartWriter
{
    private static final int BUFFER = 1 << 16;

    private TarPartWriter() {}

    public static TarPart write(String objectName, List<DataFile> entries, Map<String, byte[]> inlineFiles, Compression compression, UploadStream upload)
            throws IOException
    {
        return write(objectName, entries, inlineFiles, compression, upload, ProgressListener.NONE);
    }

    /** As above, reporting the bytes of data files read to {@code progress} as they go into the tar. */
    public static TarPart write(String objectName, List<DataFile> entries, Map<String, byte[]> inlineFiles, Compression compression, UploadStream upload,
            ProgressListener progress)
            throws IOException
    {
        MessageDigest digest = Digests.sha256();
        CountingOutputStream compressed = new CountingOutputStream(new DigestOutputStream(upload, digest));
        List<String> written = new ArrayList<>();
        CountingOutputStream uncompressed = null;
        TarArchiveOutputStream tar = null;
        try {
            uncompressed = new CountingOutputStream(compression.compress(compressed));
            tar = new TarArchiveOutputStream(uncompressed, BUFFER);
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (DataFile entry : entries) {
                if (writeEntry(tar, entry, progress)) {
                    written.add(entry.tarPath());
                }
            }
            for (Map.Entry<String, byte[]> inline : inlineFiles.entrySet()) {
                TarArchiveEntry header = new TarArchiveEntry(inline.getKey(), true);
                header.setSize(inline.getValue().length);
                header.setMode(0100600);
                header.setModTime(FileTime.fromMillis(System.currentTimeMillis()));
                tar.putArchiveEntry(header);
                tar.write(inline.getValue());
                tar.closeArchiveEntry();
                written.add(inline.getKey());
            }
            tar.finish();
            // closes the codec, the digest stream and the upload, which commits the object: only on success
            tar.close();
        }
        catch (IOException | RuntimeException e) {
            // abort first, so that closing the stream chain (to free the codec) cannot commit a truncated object
            upload.abort();
            closeQuietly(tar != null ? tar : uncompressed);
            throw e;
        }
        return new TarPart(objectName, uncompressed.count(), new ObjectChecksum(compressed.count(), Digests.hex(digest)), written);
    }

    private static void closeQuietly(OutputStream stream)
    {
        if (stream == null) {
            return;
        }
        try {
            stream.close();
        }
        catch (IOException | RuntimeException ignored) {
            // the upload is aborted; this only frees the codec
        }
    }

    private static boolean writeEntry(TarArchiveOutputStream tar, DataFile entry, ProgressListener progress)
            throws IOException
    {
        if (entry.directory()) {
            TarArchiveEntry header = new TarArchiveEntry(entry.tarPath() + "/", true);
            header.setMode(040000 | permissions(entry, 0700));
            header.setModTime(FileTime.from(entry.mtime()));
            tar.putArchiveEntry(header);
            tar.closeArchiveEntry();
            return true;
        }
        InputStream in;
        long size;
        try {
            in = Files.newInputStream(entry.source());
            size = Files.size(entry.source());
        }
        catch (NoSuchFileException e) {
            // dropped while the backup ran; WAL replay recreates or removes it
            return false;
        }
        try (in) {
            TarArchiveEntry header = new TarArchiveEntry(entry.tarPath(), true);
            header.setSize(size);
            header.setMode(0100000 | permissions(entry, 0600));
            header.setModTime(FileTime.from(entry.mtime()));
            tar.putArchiveEntry(header);
            byte[] buffer = new byte[BUFFER];
            long remaining = size;
            while (remaining > 0) {
                int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                if (read < 0) {
                    Arrays.fill(buffer, (byte) 0);
                    while (remaining > 0) {
                        int chunk = (int) Math.min(buffer.length, remaining);
                        tar.write(buffer, 0, chunk);
                        remaining -= chunk;
                    }
                    break;
                }
                tar.write(buffer, 0, read);
                remaining -= read;
                progress.advance(read);
            }
            tar.closeArchiveEntry();
        }
        return true;
    }

    private static int permissions(DataFile entry, int fallback)
    {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(entry.source());
            int mode = 0;
            for (PosixFilePermission permission : permissions) {
                mode |= 1 << (8 - permission.ordinal());
            }
            return mode;
        }
        catch (IOException | UnsupportedOperationException e) {
            return fallback;
        }
    }
}
