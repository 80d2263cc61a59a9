package io.herd.backup.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.Map;

/**
 * A stand-alone entry point with only the backup commands ({@code java -cp ... io.herd.backup.cli.HerdBackupMain wal-push %p});
 * the herd CLI registers the same commands under {@code herd}.
 */
@Command(name = "herd", mixinStandardHelpOptions = true, description = "herd backup commands (WAL-G compatible)")
public final class HerdBackupMain
{
    public static CommandLine commandLine(Map<String, String> environment)
    {
        CommandLine commandLine = new CommandLine(new HerdBackupMain());
        BackupCommands.all(environment).forEach(commandLine::addSubcommand);
        return commandLine;
    }

    public static void main(String[] args)
    {
        System.exit(commandLine(System.getenv()).execute(args));
    }
}
