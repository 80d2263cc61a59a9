package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.config.BackupSettings;
import io.herd.backup.config.InvalidSettingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.Callable;

import static java.util.Objects.requireNonNull;

/**
 * Base of the herd-backup commands: reads settings from the injected environment, opens a {@link BackupService},
 * and reports any failure as one line on stderr with a non-zero exit code (never System.exit).
 */
abstract class BackupCommand
        implements Callable<Integer>
{
    private static final Logger log = LoggerFactory.getLogger(BackupCommand.class);

    @Spec
    CommandSpec spec;

    private final Map<String, String> environment;
    private Progress progress;

    BackupCommand(Map<String, String> environment)
    {
        this.environment = requireNonNull(environment, "environment is null");
    }

    protected abstract int run(BackupService service)
            throws IOException;

    /** Exit code for failures; wal-fetch overrides it. */
    protected int failureExitCode()
    {
        return ExitCodes.ERROR;
    }

    protected Map<String, String> environment()
    {
        return environment;
    }

    protected PrintWriter out()
    {
        return spec.commandLine().getOut();
    }

    /** A progress bar on stdout when it is a terminal, else one summary line: finish(), print the result, summarize(). */
    protected Progress progress(String label, Progress.Unit unit)
    {
        progress = Progress.forConsole(label, unit, out());
        return progress;
    }

    protected PrintWriter err()
    {
        return spec.commandLine().getErr();
    }

    @Override
    public Integer call()
    {
        try {
            BackupSettings settings = BackupSettings.fromEnv(environment);
            try (BackupService service = BackupService.create(settings)) {
                return run(service);
            }
        }
        catch (InvalidSettingException | IOException | UncheckedIOException | IllegalArgumentException e) {
            return fail(e);
        }
        catch (RuntimeException e) {
            log.debug("{} failed", spec.name(), e);
            return fail(e);
        }
    }

    private int fail(Exception e)
    {
        log.debug("{} failed", spec.name(), e);
        if (progress != null) {
            progress.abandon();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException) {
            message = "no such file: " + message;
        }
        else if (e instanceof java.nio.file.AccessDeniedException) {
            message = "permission denied: " + message;
        }
        err().println("herd " + spec.name() + ": " + message.replace('\n', ' '));
        err().flush();
        return failureExitCode();
    }
}
