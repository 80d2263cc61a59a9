package io.herd.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The operating-system user this JVM runs as. */
public final class ProcessUser
{
    private ProcessUser() {}

    /** The real uid from {@code /proc/self/status}. */
    public static long currentUid()
    {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                }
            }
            throw new IllegalStateException("/proc/self/status has no Uid line");
        }
        catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/status", e);
        }
    }
}
