package io.herd.cli;

import io.herd.core.cluster.ClusterView;
import io.herd.core.cluster.PatroniCodec;
import io.herd.core.config.ConfigException;
import io.herd.core.config.ConfigLoader;
import io.herd.core.config.HerdConfig;
import io.herd.core.dcs.DcsException;
import io.herd.core.dcs.DcsKeys;
import io.herd.etcd.EtcdDcs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code herd ctl}: read the cluster from the store, as patronictl does. */
@Command(name = "ctl", description = "Operate the cluster (patronictl's job).", subcommands = {CtlCommand.ListCommand.class, CtlCommand.HistoryCommand.class, CtlCommand.ShowConfigCommand.class})
public final class CtlCommand
        implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        spec.commandLine().usage(System.out);
    }

    abstract static class ClusterCommand
            implements Callable<Integer>
    {
        @Option(names = {"-c", "--config-file"}, required = true, description = "an agent's YAML configuration (for the etcd address and scope)")
        Path configFile;

        @Override
        public Integer call()
        {
            HerdConfig config;
            try {
                config = new ConfigLoader(System.getenv()).load(Optional.of(configFile));
            }
            catch (ConfigException e) {
                System.err.println("herd ctl: invalid configuration in " + configFile + ":\n  " + String.join("\n  ", e.problems()));
                return 2;
            }
            try (EtcdDcs dcs = new EtcdDcs(config.etcd(), DcsKeys.of(config.namespace(), config.scope()), "herd-ctl", Duration.ofSeconds(10), Duration.ofSeconds(5))) {
                print(config, dcs.readFresh());
                return 0;
            }
            catch (DcsException e) {
                System.err.println("herd ctl: " + e.getMessage());
                return 1;
            }
        }

        abstract void print(HerdConfig config, ClusterView view);
    }

    @Command(name = "list", description = "Members, roles, states, timelines and lag.")
    static final class ListCommand
            extends ClusterCommand
    {
        @Override
        void print(HerdConfig config, ClusterView view)
        {
            System.out.print(ClusterTable.render(config.scope(), view));
        }
    }

    @Command(name = "history", description = "The timeline history of the cluster.")
    static final class HistoryCommand
            extends ClusterCommand
    {
        @Override
        void print(HerdConfig config, ClusterView view)
        {
            System.out.println(" TL |        LSN | Reason                         | Timestamp                     | New Leader");
            view.history().entries().forEach(e -> System.out.printf("%3d | %10d | %-30s | %-29s | %s%n", e.timeline(), e.switchLsn(), e.reason(),
                    e.timestamp().orElse(""), e.newLeader().orElse("")));
        }
    }

    @Command(name = "show-config", description = "The dynamic configuration stored in the cluster.")
    static final class ShowConfigCommand
            extends ClusterCommand
    {
        @Override
        void print(HerdConfig config, ClusterView view)
        {
            System.out.println(view.config().map(c -> {
                try {
                    return PatroniCodec.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(c);
                }
                catch (Exception e) {
                    return c.toString();
                }
            }).orElse("(no configuration stored)"));
        }
    }

}
