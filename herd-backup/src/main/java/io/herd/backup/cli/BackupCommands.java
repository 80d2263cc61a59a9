package io.herd.backup.cli;

import java.util.List;
import java.util.Map;

/** The herd-backup subcommands, for the herd CLI to register ({@code commandLine.addSubcommand(command)}). */
public final class BackupCommands
{
    private BackupCommands() {}

    /** Commands reading the process environment. */
    public static List<Object> all()
    {
        return all(System.getenv());
    }

    /** Commands reading settings from the given environment map. */
    public static List<Object> all(Map<String, String> environment)
    {
        return List.of(
                new WalPushCommand(environment),
                new WalFetchCommand(environment),
                new BackupPushCommand(environment),
                new BackupFetchCommand(environment),
                new BackupListCommand(environment),
                new DeleteCommand(environment),
                new WalVerifyCommand(environment),
                new DaemonCommand(environment));
    }
}
