package io.herd.backup.base;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.util.Objects.requireNonNull;

/** {@code base_<start WAL file>[_D_<parent's start WAL file>][_<8 hex>]} as WAL-G names backups. */
public record BackupName(String value)
{
    private static final Pattern PATTERN = Pattern.compile("base_([0-9A-F]{24})(_D_([0-9A-F]{24}))?(_[0-9A-F]{8})?");

    public BackupName
    {
        requireNonNull(value, "value is null");
        if (!PATTERN.matcher(value).matches()) {
            throw new IllegalArgumentException("not a backup name: " + value);
        }
    }

    public static Optional<BackupName> parse(String value)
    {
        return PATTERN.matcher(value).matches() ? Optional.of(new BackupName(value)) : Optional.empty();
    }

    public static BackupName full(String startWalFile)
    {
        return new BackupName("base_" + startWalFile);
    }

    public static BackupName delta(String startWalFile, BackupName parent)
    {
        return new BackupName("base_" + startWalFile + "_D_" + parent.walFileName());
    }

    /** The WAL file holding the backup's start LSN. */
    public String walFileName()
    {
        Matcher matcher = PATTERN.matcher(value);
        matcher.matches();
        return matcher.group(1);
    }

    public boolean isDelta()
    {
        Matcher matcher = PATTERN.matcher(value);
        matcher.matches();
        return matcher.group(2) != null;
    }

    @Override
    public String toString()
    {
        return value;
    }
}
