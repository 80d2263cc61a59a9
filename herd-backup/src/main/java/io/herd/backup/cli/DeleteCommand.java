package io.herd.backup.cli;

import io.herd.backup.BackupService;
import io.herd.backup.base.DeletePlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@Command(name = "delete", description = "delete retain [FULL|FIND_FULL] N | before [FIND_FULL] NAME|TIME. A dry run unless --confirm. "
        + "Kept deltas keep their chain; WAL needed by a kept backup is never deleted")
public final class DeleteCommand
        extends BackupCommand
{
    @Parameters(paramLabel = "ARGS", arity = "2..3", description = "retain N, or before NAME|TIME")
    List<String> arguments;

    @Option(names = "--confirm", description = "really delete")
    boolean confirm;

    public DeleteCommand(Map<String, String> environment)
    {
        super(environment);
    }

    @Override
    protected int run(BackupService service)
            throws IOException
    {
        List<String> words = new ArrayList<>(arguments);
        String mode = words.remove(0);
        // WAL-G's FULL/FIND_FULL modifiers: herd always keeps whole delta chains, so they change nothing
        words.removeIf(word -> word.equals("FULL") || word.equals("FIND_FULL"));
        if (words.size() != 1) {
            throw new IllegalArgumentException("usage: delete retain N | delete before NAME|TIME [--confirm]");
        }
        DeletePlan plan;
        switch (mode) {
            case "retain" -> {
                int count;
                try {
                    count = Integer.parseInt(words.get(0));
                }
                catch (NumberFormatException e) {
                    count = 0;
                }
                if (count < 1) {
                    throw new IllegalArgumentException("delete retain '" + words.get(0) + "' is invalid: expected a count of at least 1");
                }
                plan = service.planRetain(count);
            }
            case "before" -> plan = service.planDeleteBefore(words.get(0));
            default -> throw new IllegalArgumentException("delete mode '" + mode + "' is not supported: expected retain or before");
        }
        for (String backup : plan.deleteBackups()) {
            out().println((confirm ? "deleting backup " : "would delete backup ") + backup);
        }
        out().printf("%s %d backups (%d objects) and %d WAL objects; keeping %d backups%n", confirm ? "deleted" : "would delete",
                plan.deleteBackups().size(), plan.backupObjectKeys().size(), plan.walObjectKeys().size(), plan.keepBackups().size());
        if (confirm && !plan.isEmpty()) {
            Progress progress = progress("delete", Progress.Unit.OBJECTS);
            service.delete(plan, progress);
            progress.summarize();
        }
        else if (!confirm && !plan.isEmpty()) {
            out().println("dry run: add --confirm to delete");
        }
        return ExitCodes.OK;
    }
}
