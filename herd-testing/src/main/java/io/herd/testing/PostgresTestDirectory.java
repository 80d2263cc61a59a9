package io.herd.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

import static java.util.Objects.requireNonNull;

/**
 * A temporary directory under /tmp owned by the current (non-root) user, mode 0700, with a short path so unix
 * socket paths inside it stay under 107 bytes. Deleted with everything in it on {@link #close()}.
 */
public final class PostgresTestDirectory
        implements AutoCloseable
{
    private final Path path;

    private PostgresTestDirectory(Path path)
    {
        this.path = path;
    }

    public static PostgresTestDirectory create(String prefix)
    {
        requireNonNull(prefix, "prefix is null");
        PostgresBinaries.requireNotRoot();
        try {
            return new PostgresTestDirectory(Files.createTempDirectory(Path.of("/tmp"), prefix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path path()
    {
        return path;
    }

    public Path resolve(String name)
    {
        return path.resolve(name);
    }

    @Override
    public void close()
    {
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path file : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }
}
