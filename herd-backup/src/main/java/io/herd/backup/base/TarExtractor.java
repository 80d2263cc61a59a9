package io.herd.backup.base;

import io.herd.backup.compress.Compression;
import io.herd.backup.wal.CorruptObjectException;
import io.herd.backup.wal.Digests;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * Unpacks one compressed tar into a directory, hashing the stored bytes. The whole object is read (to the end of the
 * compressed stream) before its size and SHA-256 are compared with the recorded ones; any mismatch, decompression
 * error or premature end fails loudly.
 */
public final class TarExtractor
{
    private TarExtractor() {}

    public static void extract(String description, InputStream stored, Compression compression, Optional<ObjectChecksum> expected, Path target)
            throws IOException
    {
        MessageDigest digest = Digests.sha256();
        CountingInputStream counted = new CountingInputStream(new DigestInputStream(stored, digest));
        try {
            InputStream decompressed = compression.decompress(counted);
            TarArchiveInputStream tar = new TarArchiveInputStream(decompressed);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = resolve(target, entry.getName());
                if (path == null) {
                    continue;
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    setMode(path, entry.getMode(), 0700);
                }
                else if (entry.isSymbolicLink()) {
                    Files.createDirectories(path.getParent());
                    Files.deleteIfExists(path);
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                }
                else if (entry.isFile()) {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                    setMode(path, entry.getMode(), 0600);
                }
            }
            // read what follows the tar's end so that codec checksums are checked and the hash covers every byte
            decompressed.transferTo(OutputSink.INSTANCE);
            counted.transferTo(OutputSink.INSTANCE);
        }
        catch (CorruptObjectException e) {
            throw e;
        }
        catch (IOException | RuntimeException e) {
            if (expected.isPresent() && counted.count() < expected.get().size()) {
                throw new CorruptObjectException(description + " is truncated: read " + counted.count() + " of " + expected.get().size() + " bytes (" + e.getMessage() + ")", e);
            }
            throw new CorruptObjectException(description + " is corrupt: " + e.getMessage(), e);
        }
        if (expected.isPresent()) {
            if (counted.count() != expected.get().size()) {
                throw new CorruptObjectException(description + " has " + counted.count() + " bytes, the backup recorded " + expected.get().size()
                        + (counted.count() < expected.get().size() ? " (truncated)" : ""));
            }
            String actual = Digests.hex(digest);
            if (!actual.equalsIgnoreCase(expected.get().sha256())) {
                throw new CorruptObjectException(description + " is corrupt: its SHA-256 does not match the one recorded in the sentinel");
            }
        }
    }

    /** Names are stored with a leading '/'; accept both forms and refuse anything that leaves the target. */
    private static Path resolve(Path target, String name)
            throws CorruptObjectException
    {
        String relative = name;
        while (relative.startsWith("/")) {
            relative = relative.substring(1);
        }
        if (relative.endsWith("/")) {
            relative = relative.substring(0, relative.length() - 1);
        }
        if (relative.isEmpty()) {
            return null;
        }
        Path path = target.resolve(relative).normalize();
        if (!path.startsWith(target)) {
            throw new CorruptObjectException("tar entry " + name + " points outside the target directory");
        }
        return path;
    }

    private static void setMode(Path path, int mode, int fallback)
    {
        int bits = (mode & 0777) == 0 ? fallback : mode & 0777;
        Set<PosixFilePermission> permissions = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = PosixFilePermission.values();
        for (int i = 0; i < all.length; i++) {
            if ((bits & (1 << (8 - i))) != 0) {
                permissions.add(all[i]);
            }
        }
        try {
            Files.setPosixFilePermissions(path, permissions);
        }
        catch (IOException | UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    private static final class OutputSink
            extends java.io.OutputStream
    {
        static final OutputSink INSTANCE = new OutputSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }

    private static final class CountingInputStream
            extends java.io.FilterInputStream
    {
        private long count;

        CountingInputStream(InputStream in)
        {
            super(in);
        }

        @Override
        public int read()
                throws IOException
        {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len)
                throws IOException
        {
            int read = in.read(b, off, len);
            if (read > 0) {
                count += read;
            }
            return read;
        }

        @Override
        public long skip(long n)
                throws IOException
        {
            byte[] buffer = new byte[(int) Math.min(n, 8192)];
            int read = read(buffer, 0, buffer.length);
            return Math.max(read, 0);
        }

        long count()
        {
            return count;
        }
    }
}
