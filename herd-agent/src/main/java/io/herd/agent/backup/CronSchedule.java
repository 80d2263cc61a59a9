package io.herd.agent.backup;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import io.herd.core.config.ConfigException;

import java.time.ZonedDateTime;
import java.util.Optional;

/** A five-field cron expression such as Spilo's {@code BACKUP_SCHEDULE} ({@code 0 1 * * *}). */
public final class CronSchedule
{
    private static final CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private final ExecutionTime executionTime;

    private CronSchedule(ExecutionTime executionTime)
    {
        this.executionTime = executionTime;
    }

    public static CronSchedule parse(String expression)
    {
        try {
            return new CronSchedule(ExecutionTime.forCron(PARSER.parse(expression.trim())));
        }
        catch (IllegalArgumentException e) {
            throw new ConfigException("backup schedule (BACKUP_SCHEDULE) is '" + expression + "', expected a cron expression such as '0 1 * * *': " + e.getMessage());
        }
    }

    public Optional<ZonedDateTime> next(ZonedDateTime after)
    {
        return executionTime.nextExecution(after);
    }
}
