package io.herd.agent.backup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The archive_command / restore_command prefix that reaches the agent's WAL daemon. The shipped client
 * ({@code bin/herd-wal-client}, no JVM start) is used when it is found next to herd.jar; otherwise the JVM client,
 * which works everywhere but pays a JVM start per segment.
 */
final class WalClientCommand
{
    private WalClientCommand() {}

    static String prefix(Path socket)
    {
        String classpath = System.getProperty("java.class.path");
        Optional<Path> script = shippedClient(classpath).or(() -> clientAbove(Path.of(System.getProperty("user.dir"))));
        if (script.isPresent()) {
            return quote(script.get().toString()) + " " + quote(socket.toString());
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return quote(java) + " -XX:TieredStopAtLevel=1 -Xshare:auto -cp " + quote(classpath) + " io.herd.backup.daemon.DaemonClientMain " + quote(socket.toString());
    }

    /** herd.jar lives in {@code <home>/herd-cli/target/}; the client in {@code <home>/bin/}. */
    static Optional<Path> shippedClient(String classpath)
    {
        String first = classpath.split(java.io.File.pathSeparator)[0];
        Path jar = Path.of(first).toAbsolutePath();
        if (!jar.getFileName().toString().equals("herd.jar") || jar.getParent() == null || jar.getParent().getParent() == null) {
            return Optional.empty();
        }
        Path home = jar.getParent().getParent().getParent();
        if (home == null) {
            return Optional.empty();
        }
        Path script = home.resolve("bin").resolve("herd-wal-client");
        return Files.isExecutable(script) ? Optional.of(script) : Optional.empty();
    }

    /** A Herd checkout or installation at or above {@code start} (the agent started from inside it). */
    static Optional<Path> clientAbove(Path start)
    {
        Path dir = start.toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            Path script = dir.resolve("bin").resolve("herd-wal-client");
            if (Files.isExecutable(script) && Files.isRegularFile(dir.resolve("bin").resolve("herd"))) {
                return Optional.of(script);
            }
        }
        return Optional.empty();
    }

    /** Quoting for the shell PostgreSQL runs archive_command with. */
    static String quote(String value)
    {
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
