package io.herd.backup.wal;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A WAL segment: timeline plus segment number (log id * segments-per-log-id + segment). Its name is the 24 hex
 * digits PostgreSQL uses; the name depends on the segment size, given in segmentsPerLogId.
 */
public record WalSegment(long timeline, long number, long segmentsPerLogId)
        implements Comparable<WalSegment>
{
    private static final Pattern NAME = Pattern.compile("([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})");

    public WalSegment
    {
        if (timeline <= 0 || number < 0 || segmentsPerLogId <= 0) {
            throw new IllegalArgumentException("invalid WAL segment " + timeline + "/" + number);
        }
    }

    public static WalSegment ofLsn(long timeline, long lsn, long segmentSize)
    {
        return new WalSegment(timeline, Long.divideUnsigned(lsn, segmentSize), 0x1_0000_0000L / segmentSize);
    }

    /** Parses the first 24 characters of a WAL file name. */
    public static Optional<WalSegment> parse(String name, long segmentSize)
    {
        if (name.length() < 24) {
            return Optional.empty();
        }
        Matcher matcher = NAME.matcher(name.substring(0, 24));
        if (!matcher.matches()) {
            return Optional.empty();
        }
        long perLog = 0x1_0000_0000L / segmentSize;
        long timeline = Long.parseLong(matcher.group(1), 16);
        long log = Long.parseLong(matcher.group(2), 16);
        long seg = Long.parseLong(matcher.group(3), 16);
        if (timeline == 0 || seg >= perLog) {
            return Optional.empty();
        }
        return Optional.of(new WalSegment(timeline, log * perLog + seg, perLog));
    }

    public String name()
    {
        return String.format(Locale.ROOT, "%08X%08X%08X", timeline, number / segmentsPerLogId, number % segmentsPerLogId);
    }

    public WalSegment next()
    {
        return new WalSegment(timeline, number + 1, segmentsPerLogId);
    }

    public WalSegment onTimeline(long otherTimeline)
    {
        return new WalSegment(otherTimeline, number, segmentsPerLogId);
    }

    @Override
    public int compareTo(WalSegment other)
    {
        int byNumber = Long.compare(number, other.number);
        return byNumber != 0 ? byNumber : Long.compare(timeline, other.timeline);
    }

    @Override
    public String toString()
    {
        return name();
    }

    /** Formats an LSN the way PostgreSQL prints it: {@code 0/2000028}. */
    public static String formatLsn(long lsn)
    {
        return String.format(Locale.ROOT, "%X/%X", lsn >>> 32, lsn & 0xFFFF_FFFFL);
    }

    public static long parseLsn(String text)
    {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("invalid LSN: " + text);
        }
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }
}
