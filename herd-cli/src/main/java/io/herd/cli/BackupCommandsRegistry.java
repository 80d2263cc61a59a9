package io.herd.cli;

import io.herd.backup.cli.BackupCommands;
import picocli.CommandLine;

/** Adds the backup verbs (wal-push, backup-push, ...) from herd-backup as subcommands of {@code herd}. */
final class BackupCommandsRegistry
{
    private BackupCommandsRegistry() {}

    static void register(CommandLine commandLine)
    {
        for (Object command : BackupCommands.all()) {
            commandLine.addSubcommand(command);
        }
    }
}
