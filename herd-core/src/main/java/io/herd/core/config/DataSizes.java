package io.herd.core.config;

import java.util.Locale;

/** Sizes as Patroni accepts them: plain bytes or a number with B, kB, MB, GB or TB (base 1024). */
public final class DataSizes
{
    private DataSizes() {}

    public static long parseBytes(String text)
    {
        String value = text.trim();
        String lower = value.toLowerCase(Locale.ROOT);
        long multiplier = 1;
        String number = value;
        String[][] units = {{"tb", "1099511627776"}, {"gb", "1073741824"}, {"mb", "1048576"}, {"kb", "1024"}, {"b", "1"}};
        for (String[] unit : units) {
            if (lower.endsWith(unit[0])) {
                multiplier = Long.parseLong(unit[1]);
                number = value.substring(0, value.length() - unit[0].length()).trim();
                break;
            }
        }
        try {
            long amount = Long.parseLong(number);
            if (amount < 0) {
                throw new IllegalArgumentException("negative size: " + text);
            }
            return Math.multiplyExact(amount, multiplier);
        }
        catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size: '" + text + "'");
        }
    }
}
