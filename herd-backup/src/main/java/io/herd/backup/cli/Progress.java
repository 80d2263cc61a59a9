package io.herd.backup.cli;

import io.herd.backup.base.ProgressListener;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static java.util.Objects.requireNonNull;

/**
 * A one-line progress bar for a terminal (redrawn in place with \r, at most 5 times a second), or a single summary
 * line when stdout is not a terminal (see {@link #finish} and {@link #summarize}). Thread-safe: workers call {@link #advance} concurrently.
 * Rendering is the pure function {@link #render}.
 */
public final class Progress
        implements ProgressListener
{
    public enum Unit
    {
        BYTES, OBJECTS
    }

    static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    static final int WIDTH = 80;
    private static final int BAR = 24;

    private final String label;
    private final Unit unit;
    private final PrintWriter out;
    private final boolean interactive;
    private final LongSupplier nanoTime;
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong lastDraw = new AtomicLong();
    private volatile long total = -1;
    private volatile long startNanos;
    private int drawnLength;
    private boolean finished;
    private boolean summarized;
    private long elapsedNanos;

    public Progress(String label, Unit unit, PrintWriter out, boolean interactive, LongSupplier nanoTime)
    {
        this.label = requireNonNull(label, "label is null");
        this.unit = requireNonNull(unit, "unit is null");
        this.out = requireNonNull(out, "out is null");
        this.interactive = interactive;
        this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
        this.startNanos = nanoTime.getAsLong();
    }

    /** A bar when the JVM has a console (stdout and stdin are a terminal), else one summary line at the end. */
    public static Progress forConsole(String label, Unit unit, PrintWriter out)
    {
        return new Progress(label, unit, out, System.console() != null, System::nanoTime);
    }

    @Override
    public void start(long total)
    {
        this.total = total;
        this.startNanos = nanoTime.getAsLong();
        lastDraw.set(startNanos);
        if (interactive) {
            draw(false);
        }
    }

    @Override
    public void advance(long amount)
    {
        done.addAndGet(amount);
        if (!interactive) {
            return;
        }
        long now = nanoTime.getAsLong();
        long previous = lastDraw.get();
        if (now - previous >= REDRAW_NANOS && lastDraw.compareAndSet(previous, now)) {
            draw(false);
        }
    }

    /**
     * Ends the work: on a terminal, draws the final bar and a newline. Call once, when the work is done, then print the
     * command's result, then {@link #summarize()} (so that the result stays the first line of piped output).
     */
    public synchronized void finish()
    {
        if (finished) {
            return;
        }
        finished = true;
        elapsedNanos = nanoTime.getAsLong() - startNanos;
        if (interactive) {
            draw(true);
            out.println();
            out.flush();
        }
    }

    /** When stdout is not a terminal: the one summary line (amount, time, rate). Nothing on a terminal. */
    public synchronized void summarize()
    {
        finish();
        if (!interactive && !summarized) {
            summarized = true;
            out.println(summary(label, done.get(), elapsedNanos, unit));
            out.flush();
        }
    }

    /** After a failure: ends a half-drawn bar with a newline so the error starts on its own line; prints no summary. */
    public synchronized void abandon()
    {
        if (finished) {
            return;
        }
        finished = true;
        if (drawnLength > 0) {
            out.println();
            out.flush();
        }
    }

    private synchronized void draw(boolean last)
    {
        if (finished && !last) {
            return;
        }
        String line = render(label, done.get(), total, nanoTime.getAsLong() - startNanos, unit, WIDTH);
        StringBuilder text = new StringBuilder("\r").append(line);
        for (int i = line.length(); i < drawnLength; i++) {
            text.append(' ');
        }
        drawnLength = line.length();
        out.print(text);
        out.flush();
    }

    /**
     * One line of at most {@code width} characters: label, bar, percent, done/total, rate and ETA. An unknown total
     * (negative) shows no bar, percent or ETA.
     */
    static String render(String label, long done, long total, long elapsedNanos, Unit unit, int width)
    {
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        StringBuilder line = new StringBuilder(label).append(' ');
        if (total >= 0) {
            double fraction = total == 0 ? 1 : Math.min(1, (double) done / total);
            int filled = (int) Math.floor(fraction * BAR);
            line.append('[').append("#".repeat(filled)).append(".".repeat(BAR - filled)).append("] ");
            line.append(String.format(Locale.ROOT, "%3d%% ", (int) Math.floor(fraction * 100)));
            if (unit == Unit.OBJECTS) {
                line.append(done).append('/').append(total).append(" objects");
            }
            else {
                line.append(bytes(done)).append('/').append(bytes(total));
            }
        }
        else {
            line.append(amount(done, unit));
        }
        line.append(' ').append(rate(rate, unit));
        if (total >= 0) {
            line.append(" ETA ");
            long remaining = Math.max(0, total - done);
            if (remaining == 0) {
                line.append(duration(0));
            }
            else if (rate <= 0) {
                line.append("--:--");
            }
            else {
                line.append(duration((long) Math.ceil(remaining / rate)));
            }
        }
        return line.length() <= width ? line.toString() : line.substring(0, width);
    }

    /** The line printed instead of a bar when stdout is not a terminal. */
    static String summary(String label, long done, long elapsedNanos, Unit unit)
    {
        double seconds = elapsedNanos / 1e9;
        return String.format(Locale.ROOT, "%s: %s in %.1f s (%s)", label, amount(done, unit), seconds, rate(seconds > 0 ? done / seconds : 0, unit));
    }

    static String amount(long value, Unit unit)
    {
        if (unit == Unit.OBJECTS) {
            return value + (value == 1 ? " object" : " objects");
        }
        return bytes(value);
    }

    private static String rate(double perSecond, Unit unit)
    {
        if (unit == Unit.OBJECTS) {
            return String.format(Locale.ROOT, "%.0f objects/s", perSecond);
        }
        return bytes((long) perSecond) + "/s";
    }

    static String bytes(long value)
    {
        if (value < 1024) {
            return value + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
        double scaled = value;
        int index = -1;
        do {
            scaled /= 1024;
            index++;
        }
        while (scaled >= 1024 && index < units.length - 1);
        return String.format(Locale.ROOT, scaled >= 100 ? "%.0f %s" : "%.1f %s", scaled, units[index]);
    }

    static String duration(long seconds)
    {
        long hours = seconds / 3600;
        long minutes = seconds / 60 % 60;
        long rest = seconds % 60;
        return hours > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", hours, minutes, rest) : String.format(Locale.ROOT, "%d:%02d", minutes, rest);
    }
}
