package io.herd.postgres;

import java.util.LinkedHashMap;
import java.util.Map;

import static java.util.Collections.unmodifiableMap;
import static java.util.Objects.requireNonNull;

/**
 * The fields of {@code pg_controldata} (run with {@code LC_ALL=C}) that Herd uses, plus all raw fields.
 *
 * @param state "Database cluster state": {@code in production}, {@code shut down}, {@code shut down in recovery},
 *         {@code in archive recovery}, {@code in crash recovery}, {@code shutting down}, {@code starting up}
 * @param timeline "Latest checkpoint's TimeLineID"
 * @param checkpointLsn "Latest checkpoint location"
 * @param redoLsn "Latest checkpoint's REDO location"
 * @param minRecoveryEndLsn "Minimum recovery ending location" (0 when not in recovery)
 * @param minRecoveryEndTimeline "Min recovery ending loc's timeline" (0 when not in recovery)
 */
public record ControlData(
        String state,
        long systemIdentifier,
        int timeline,
        long checkpointLsn,
        long redoLsn,
        long minRecoveryEndLsn,
        int minRecoveryEndTimeline,
        Map<String, String> fields)
{
    public static final String IN_PRODUCTION = "in production";
    public static final String SHUT_DOWN = "shut down";
    public static final String SHUT_DOWN_IN_RECOVERY = "shut down in recovery";

    public ControlData
    {
        requireNonNull(state, "state is null");
        fields = unmodifiableMap(new LinkedHashMap<>(requireNonNull(fields, "fields is null")));
    }

    /** A clean shutdown: the next start needs no crash recovery and pg_rewind accepts the directory. */
    public boolean isCleanShutdown()
    {
        return state.equals(SHUT_DOWN) || state.equals(SHUT_DOWN_IN_RECOVERY);
    }

    /** A primary that stopped without a shutdown checkpoint: the next start (or pg_rewind) needs crash recovery first. */
    public boolean needsCrashRecovery()
    {
        return state.equals(IN_PRODUCTION) || state.equals("in crash recovery") || state.equals("shutting down");
    }

    /** The cluster was last running (or shut down) as a primary rather than a standby. */
    public boolean wasPrimary()
    {
        return state.equals(IN_PRODUCTION) || state.equals(SHUT_DOWN);
    }

    /** Parses the {@code Name: value} lines of pg_controldata output. */
    public static ControlData parse(String output)
    {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                fields.put(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        return new ControlData(
                field(fields, "Database cluster state"),
                Long.parseUnsignedLong(field(fields, "Database system identifier")),
                Integer.parseInt(field(fields, "Latest checkpoint's TimeLineID")),
                Lsn.parse(field(fields, "Latest checkpoint location")),
                Lsn.parse(field(fields, "Latest checkpoint's REDO location")),
                Lsn.parse(field(fields, "Minimum recovery ending location")),
                Integer.parseInt(field(fields, "Min recovery ending loc's timeline")),
                fields);
    }

    private static String field(Map<String, String> fields, String name)
    {
        String value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException("pg_controldata output has no '" + name + "' line");
        }
        return value;
    }
}
