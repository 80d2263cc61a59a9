package io.herd.backup.testing;

import io.herd.backup.cli.HerdBackupMain;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs a herd backup command in-process and captures its output. */
public final class Cli
{
    private Cli() {}

    public record Result(int exitCode, String out, String err) {}

    public static Result run(Map<String, String> env, String... args)
    {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = HerdBackupMain.commandLine(env);
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
