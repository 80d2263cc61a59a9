package io.herd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Locates PostgreSQL 15's programs for tests ({@code HERD_PG_BIN_DIR}, else Debian's {@code /usr/lib/postgresql/15/bin})
 * and checks the tests do not run as root, which PostgreSQL refuses.
 */
public final class PostgresBinaries
{
    public static final Path DEBIAN_BIN_DIR = Path.of("/usr/lib/postgresql/15/bin");

    private PostgresBinaries() {}

    /** The bin dir when it holds an executable {@code postgres}. */
    public static Optional<Path> find()
    {
        String configured = System.getenv("HERD_PG_BIN_DIR");
        Path binDir = configured == null || configured.isBlank() ? DEBIAN_BIN_DIR : Path.of(configured);
        return Files.isExecutable(binDir.resolve("postgres")) ? Optional.of(binDir) : Optional.empty();
    }

    /**
     * The bin dir for a test that needs PostgreSQL: skips the test (JUnit's assumption failure) when PostgreSQL 15 is
     * not installed, and fails it when it runs as root.
     */
    public static Path require()
    {
        requireNotRoot();
        Optional<Path> binDir = find();
        if (binDir.isEmpty()) {
            throw skip("PostgreSQL 15 is not installed (no postgres in " + DEBIAN_BIN_DIR + " or $HERD_PG_BIN_DIR): install postgresql-15 or run scripts/test");
        }
        return binDir.get();
    }

    /** Fails when the JVM runs as root: PostgreSQL refuses to start then. */
    public static void requireNotRoot()
    {
        if (currentUid() == 0) {
            throw new IllegalStateException("tests that start PostgreSQL cannot run as root: run tests via scripts/test or scripts/dev-mvn");
        }
    }

    private static long currentUid()
    {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                }
            }
        }
        catch (IOException | NumberFormatException e) {
            // not Linux: assume unprivileged
        }
        return -1;
    }

    /**
     * JUnit's "aborted" exception ({@code org.opentest4j.TestAbortedException}, what {@code Assumptions} throws),
     * made reflectively because this module has no compile dependency on JUnit.
     */
    private static RuntimeException skip(String message)
    {
        try {
            return (RuntimeException) Class.forName("org.opentest4j.TestAbortedException").getConstructor(String.class).newInstance(message);
        }
        catch (ReflectiveOperationException | ClassCastException e) {
            return new IllegalStateException(message);
        }
    }
}
