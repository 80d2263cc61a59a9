package io.herd.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code herd} command. */
@Command(name = "herd",
        mixinStandardHelpOptions = true,
        versionProvider = Herd.Version.class,
        description = "Highly available PostgreSQL: HA agent, leader-aware proxy and S3 backups in one program.",
        subcommands = {
                AgentCommand.class,
                CtlCommand.class,
                DemoCommand.class,
                ProxyCommand.class,
                CommandLine.HelpCommand.class,
        })
public final class Herd
        implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args)
    {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine()
    {
        CommandLine commandLine = new CommandLine(new Herd());
        BackupCommandsRegistry.register(commandLine);
        return commandLine;
    }

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    static final class Version
            implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            String version = Herd.class.getPackage().getImplementationVersion();
            return new String[] {"herd " + (version == null ? "0.1.0-SNAPSHOT" : version) + " (Patroni REST API 4.1.4 compatible)"};
        }
    }
}
