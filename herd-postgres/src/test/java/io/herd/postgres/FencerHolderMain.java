package io.herd.postgres;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Stands in for the agent in {@link FencerTest}: starts a fencer, arms it for a long time, says so and waits to be
 * killed. Arguments: data dir, bin dir, fencer log file.
 */
public final class FencerHolderMain
{
    private FencerHolderMain() {}

    public static void main(String[] args)
            throws Exception
    {
        Fencer fencer = Fencer.start(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        fencer.arm(Duration.ofSeconds(60));
        System.out.println("armed " + fencer.pid());
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(2).toMillis());
        fencer.close();
    }
}
