package io.herd.core.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/** Patroni writes durations as seconds; Herd also accepts {@code 500ms}, {@code 1.5s}, {@code 2min}, {@code 1h}. */
public final class Durations
{
    private Durations() {}

    public static Duration parseSeconds(String text)
    {
        String value = text.trim().toLowerCase(Locale.ROOT);
        BigDecimal unit = BigDecimal.valueOf(1000);
        String number = value;
        if (value.endsWith("ms")) {
            unit = BigDecimal.ONE;
            number = value.substring(0, value.length() - 2);
        }
        else if (value.endsWith("min")) {
            unit = BigDecimal.valueOf(60_000);
            number = value.substring(0, value.length() - 3);
        }
        else if (value.endsWith("s")) {
            number = value.substring(0, value.length() - 1);
        }
        else if (value.endsWith("h")) {
            unit = BigDecimal.valueOf(3_600_000);
            number = value.substring(0, value.length() - 1);
        }
        try {
            BigDecimal millis = new BigDecimal(number.trim()).multiply(unit);
            if (millis.signum() < 0) {
                throw new IllegalArgumentException("negative duration: " + text);
            }
            return Duration.ofMillis(millis.longValue());
        }
        catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "'");
        }
    }
}
