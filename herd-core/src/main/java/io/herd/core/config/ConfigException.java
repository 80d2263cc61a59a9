package io.herd.core.config;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** The configuration cannot be used. Each problem names the key, the value found and what was expected. */
public class ConfigException
        extends RuntimeException
{
    private final List<String> problems;

    public ConfigException(List<String> problems)
    {
        super(String.join("\n", requireNonNull(problems, "problems is null")));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem)
    {
        this(List.of(problem));
    }

    public List<String> problems()
    {
        return problems;
    }
}
