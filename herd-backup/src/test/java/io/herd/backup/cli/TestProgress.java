package io.herd.backup.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;

import static io.herd.backup.cli.Progress.Unit.BYTES;
import static io.herd.backup.cli.Progress.Unit.OBJECTS;
import static org.assertj.core.api.Assertions.assertThat;

class TestProgress
{
    private static final long SECOND = 1_000_000_000L;
    private static final long MIB = 1 << 20;

    @Test
    void rendersBarPercentAmountsRateAndEta()
    {
        // 512 MiB of 2 GiB in 8 s: 64 MiB/s, 1.5 GiB left -> 24 s
        assertThat(Progress.render("backup-push", 512 * MIB, 2048 * MIB, 8 * SECOND, BYTES, 80))
                .isEqualTo("backup-push [######..................]  25% 512 MiB/2.0 GiB 64.0 MiB/s ETA 0:24");
        assertThat(Progress.render("backup-fetch", 0, 100 * MIB, 0, BYTES, 80))
                .isEqualTo("backup-fetch [........................]   0% 0 B/100 MiB 0 B/s ETA --:--");
        assertThat(Progress.render("backup-fetch", 100 * MIB, 100 * MIB, 4 * SECOND, BYTES, 80))
                .isEqualTo("backup-fetch [########################] 100% 100 MiB/100 MiB 25.0 MiB/s ETA 0:00");
        assertThat(Progress.render("delete", 1500, 3000, 3 * SECOND, OBJECTS, 80))
                .isEqualTo("delete [############............]  50% 1500/3000 objects 500 objects/s ETA 0:03");
        // hours, an empty total, and more done than announced (a file grew) stays at 100%
        assertThat(Progress.render("x", 1024, 3_600L * 1024 * 2 + 1024, SECOND, BYTES, 80)).endsWith("ETA 2:00:00");
        assertThat(Progress.render("x", 0, 0, SECOND, BYTES, 80)).contains("100%").endsWith("ETA 0:00");
        assertThat(Progress.render("x", 200, 100, SECOND, BYTES, 80)).contains("[########################] 100%");
        // unknown total: no bar, no ETA
        assertThat(Progress.render("x", 3 * MIB, -1, SECOND, BYTES, 80)).isEqualTo("x 3.0 MiB 3.0 MiB/s");
    }

    @Test
    void lineNeverExceedsTheWidth()
    {
        assertThat(Progress.render("a-very-long-label-for-this-operation", 123_456_789_012L, 987_654_321_098L, 7 * SECOND, BYTES, 60)).hasSize(60);
    }

    @Test
    void formatsBytesAndDurations()
    {
        assertThat(Progress.bytes(0)).isEqualTo("0 B");
        assertThat(Progress.bytes(1023)).isEqualTo("1023 B");
        assertThat(Progress.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Progress.bytes(150 * MIB)).isEqualTo("150 MiB");
        assertThat(Progress.bytes(2_400_000_000L)).isEqualTo("2.2 GiB");
        assertThat(Progress.duration(59)).isEqualTo("0:59");
        assertThat(Progress.duration(61)).isEqualTo("1:01");
        assertThat(Progress.duration(3_661)).isEqualTo("1:01:01");
        assertThat(Progress.summary("backup-push", 2048 * MIB, 32 * SECOND, BYTES)).isEqualTo("backup-push: 2.0 GiB in 32.0 s (64.0 MiB/s)");
        assertThat(Progress.summary("delete", 1, SECOND / 2, OBJECTS)).isEqualTo("delete: 1 object in 0.5 s (2 objects/s)");
    }

    @Test
    void terminalRedrawsInPlaceAtMostFiveTimesASecond()
    {
        AtomicLong clock = new AtomicLong();
        StringWriter text = new StringWriter();
        Progress progress = new Progress("backup-push", BYTES, new PrintWriter(text), true, clock::get);
        progress.start(100 * MIB);
        for (int i = 0; i < 100; i++) {
            clock.addAndGet(SECOND / 100);
            progress.advance(MIB);
        }
        progress.finish();
        progress.summarize();
        String output = text.toString();
        // one draw at start, one per 200 ms over 1 s, and the final one
        assertThat(output.chars().filter(c -> c == '\r').count()).isBetween(6L, 7L);
        assertThat(output).doesNotContain("\n" + "backup-push").endsWith("100% 100 MiB/100 MiB 100 MiB/s ETA 0:00" + System.lineSeparator());
        assertThat(output.indexOf('\n')).isEqualTo(output.length() - System.lineSeparator().length());
    }

    @Test
    void shorterRedrawBlanksTheRestOfThePreviousLine()
    {
        AtomicLong clock = new AtomicLong();
        StringWriter text = new StringWriter();
        Progress progress = new Progress("x", BYTES, new PrintWriter(text), true, clock::get);
        progress.start(-1);
        clock.addAndGet(SECOND);
        progress.advance(900 * MIB);
        clock.addAndGet(1000 * SECOND);
        progress.advance(1);
        String[] draws = text.toString().split("\r");
        assertThat(draws[draws.length - 1]).startsWith("x 900 MiB 921 KiB/s").hasSize(draws[draws.length - 2].length());
    }

    @Test
    void notATerminalPrintsOneSummaryLine()
    {
        AtomicLong clock = new AtomicLong();
        StringWriter text = new StringWriter();
        Progress progress = new Progress("backup-fetch", BYTES, new PrintWriter(text), false, clock::get);
        progress.start(10 * MIB);
        for (int i = 0; i < 10; i++) {
            clock.addAndGet(SECOND);
            progress.advance(MIB);
        }
        progress.finish();
        assertThat(text.toString()).as("nothing until summarize()").isEmpty();
        progress.summarize();
        progress.summarize();
        assertThat(text.toString()).isEqualTo("backup-fetch: 10.0 MiB in 10.0 s (1.0 MiB/s)" + System.lineSeparator());
    }

    @Test
    void abandonEndsADrawnBarWithoutASummary()
    {
        StringWriter text = new StringWriter();
        Progress progress = new Progress("delete", OBJECTS, new PrintWriter(text), true, () -> 0L);
        progress.start(5);
        progress.abandon();
        progress.summarize();
        assertThat(text.toString()).startsWith("\rdelete [").endsWith(System.lineSeparator());
        assertThat(text.toString().split("\n", -1)).hasSize(2);

        StringWriter quiet = new StringWriter();
        Progress piped = new Progress("delete", OBJECTS, new PrintWriter(quiet), false, () -> 0L);
        piped.start(5);
        piped.abandon();
        assertThat(quiet.toString()).isEmpty();
    }
}
