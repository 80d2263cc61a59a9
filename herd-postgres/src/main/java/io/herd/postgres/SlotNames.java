package io.herd.postgres;

/** Replication slot names derived from member names. */
public final class SlotNames
{
    public static final int MAX_LENGTH = 63;

    private SlotNames() {}

    /**
     * The physical slot a member streams from: lower case, {@code -} and {@code .} become {@code _}, any other
     * character outside {@code [a-z0-9_]} becomes {@code u} and its code point as four or more decimal digits;
     * cut to 63 characters (PostgreSQL's NAMEDATALEN - 1).
     */
    public static String slotName(String memberName)
    {
        StringBuilder name = new StringBuilder();
        memberName.toLowerCase(java.util.Locale.ROOT).codePoints().forEach(c -> {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                name.appendCodePoint(c);
            }
            else if (c == '-' || c == '.') {
                name.append('_');
            }
            else {
                name.append(String.format("u%04d", c));
            }
        });
        return name.length() > MAX_LENGTH ? name.substring(0, MAX_LENGTH) : name.toString();
    }
}
