package io.herd.cli;

import picocli.CommandLine;

/** Adds the backup verbs (wal-push, backup-push, ...) from herd-backup as subcommands of {@code herd}. */
final class BackupCommandsRegistry
{
    private BackupCommandsRegistry() {}

    static void register(CommandLine commandLine)
    {
        // filled in once the backup module exposes its commands
    }
}
