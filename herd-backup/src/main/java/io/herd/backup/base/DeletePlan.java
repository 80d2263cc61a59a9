package io.herd.backup.base;

import java.util.List;

import static java.util.Objects.requireNonNull;

/** What a delete would remove: whole backups (sentinel first) and the WAL older than every kept backup. */
public record DeletePlan(List<String> deleteBackups, List<String> keepBackups, List<String> backupObjectKeys, List<String> walObjectKeys)
{
    public DeletePlan
    {
        deleteBackups = List.copyOf(requireNonNull(deleteBackups, "deleteBackups is null"));
        keepBackups = List.copyOf(requireNonNull(keepBackups, "keepBackups is null"));
        backupObjectKeys = List.copyOf(requireNonNull(backupObjectKeys, "backupObjectKeys is null"));
        walObjectKeys = List.copyOf(requireNonNull(walObjectKeys, "walObjectKeys is null"));
    }

    public boolean isEmpty()
    {
        return backupObjectKeys.isEmpty() && walObjectKeys.isEmpty();
    }
}
