package io.herd.backup.wal;

import java.util.Optional;
import java.util.regex.Pattern;

/** The kinds of files PostgreSQL hands to archive_command, recognised by name. */
public enum WalFileKind
{
    SEGMENT(Pattern.compile("[0-9A-F]{24}")),
    PARTIAL(Pattern.compile("[0-9A-F]{24}\\.partial")),
    BACKUP_HISTORY(Pattern.compile("[0-9A-F]{24}\\.[0-9A-F]{8}\\.backup")),
    TIMELINE_HISTORY(Pattern.compile("[0-9A-F]{8}\\.history"));

    private final Pattern pattern;

    WalFileKind(Pattern pattern)
    {
        this.pattern = pattern;
    }

    public static Optional<WalFileKind> of(String fileName)
    {
        for (WalFileKind kind : values()) {
            if (kind.pattern.matcher(fileName).matches()) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }
}
