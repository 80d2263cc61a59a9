package io.herd.postgres;

/** Quoting for libpq key=value strings and pgpass lines. */
final class Conninfo
{
    private Conninfo() {}

    /** A libpq conninfo value: single-quoted with backslash escapes when it is empty or has spaces, quotes or backslashes. */
    static String quote(String value)
    {
        if (!value.isEmpty() && value.chars().noneMatch(c -> c == ' ' || c == '\'' || c == '\\' || Character.isWhitespace(c))) {
            return value;
        }
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }

    /** One pgpass field: {@code :} and {@code \} escaped with a backslash. */
    static String pgpassField(String value)
    {
        return value.replace("\\", "\\\\").replace(":", "\\:");
    }

    /** A GUC value for postgresql.conf: single-quoted, quotes doubled, backslashes escaped. */
    static String confValue(String value)
    {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
