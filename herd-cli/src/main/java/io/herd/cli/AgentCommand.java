package io.herd.cli;

import io.herd.agent.Agent;
import io.herd.core.config.ConfigException;
import io.herd.core.config.ConfigLoader;
import io.herd.core.config.HerdConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code herd agent CONFIG}: run one node, the way {@code patroni CONFIG} does. */
@Command(name = "agent", description = "Run the HA agent for one node (reads Patroni's YAML configuration).")
public final class AgentCommand
        implements Callable<Integer>
{
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONFIG", description = "Patroni-format YAML file (optional when PATRONI_CONFIGURATION is set)")
    Path configFile;

    @picocli.CommandLine.Option(names = "--validate-config", description = "Check the configuration and exit.")
    boolean validateOnly;

    @Override
    public Integer call() throws Exception
    {
        HerdConfig config;
        try {
            config = new ConfigLoader(System.getenv()).load(Optional.ofNullable(configFile));
        }
        catch (ConfigException e) {
            System.err.println("herd agent: invalid configuration" + (configFile == null ? "" : " in " + configFile) + ":");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 2;
        }
        if (validateOnly) {
            config.warnings().forEach(w -> System.err.println("warning: " + w));
            System.out.println("configuration is valid");
            return 0;
        }
        Agent agent;
        try {
            agent = Agent.start(config);
        }
        catch (ConfigException e) {
            System.err.println("herd agent: invalid configuration:");
            e.problems().forEach(p -> System.err.println("  " + p));
            return 2;
        }
        catch (IllegalStateException | IllegalArgumentException e) {
            System.err.println("herd agent: " + e.getMessage());
            return 1;
        }
        Thread shutdown = new Thread(agent::close, "herd-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdown);
        Optional<String> fatal = agent.awaitTermination();
        if (fatal.isPresent()) {
            System.err.println("herd agent: " + fatal.get());
            return 1;
        }
        return 0;
    }
}
