package io.herd.postgres;

import static java.util.Objects.requireNonNull;

/** WAL positions ("log sequence numbers") as PostgreSQL prints them, {@code X/Y} in hex, held as unsigned byte offsets in a long. */
public final class Lsn
{
    private Lsn() {}

    /**
     * Parses {@code "0/4000060"} into its byte position.
     *
     * @throws IllegalArgumentException naming the value when it is not of the form {@code X/Y}
     */
    public static long parse(String text)
    {
        requireNonNull(text, "text is null");
        String value = text.trim();
        int slash = value.indexOf('/');
        if (slash <= 0 || slash == value.length() - 1 || slash > 8 || value.length() - slash - 1 > 8) {
            throw new IllegalArgumentException("'" + text + "' is not an LSN of the form X/Y");
        }
        try {
            long high = Long.parseLong(value.substring(0, slash), 16);
            long low = Long.parseLong(value.substring(slash + 1), 16);
            return (high << 32) | low;
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not an LSN of the form X/Y", e);
        }
    }

    /** Formats a byte position as PostgreSQL does: upper and lower 32 bits in upper-case hex, no padding. */
    public static String format(long lsn)
    {
        return Long.toHexString(lsn >>> 32).toUpperCase() + "/" + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
