package io.herd.postgres;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.util.Collections.unmodifiableMap;
import static java.util.Objects.requireNonNull;

/**
 * One entry of {@code create_replica_methods}: the built-in {@link #BASEBACKUP} or an external command such as a
 * WAL-G {@code backup-fetch} wrapper.
 *
 * <p>An external command is called as {@code <command...> --scope=<cluster> --role=replica --datadir=<data dir>
 * --connstring=<source dsn without password> --<option>=<value>...}; with {@code noParams} only the options are
 * passed. The password of the source reaches it through a pgpass file in {@code PGPASSFILE}. Exit code 0 means the
 * data directory now holds a copy.
 *
 * @param command the program and its own arguments, already split; empty for {@link #BASEBACKUP}
 * @param options the section's other keys, passed as {@code --key=value}
 * @param keepData do not wipe the data directory before calling the command
 * @param noLeader the method works without a running source (e.g. restores from a backup store)
 */
public record ReplicaMethod(String name, List<String> command, Map<String, String> options, boolean noParams, boolean keepData, boolean noLeader)
{
    public static final ReplicaMethod BASEBACKUP = new ReplicaMethod("basebackup", List.of(), Map.of(), false, false, false);

    public ReplicaMethod
    {
        requireNonNull(name, "name is null");
        command = List.copyOf(requireNonNull(command, "command is null"));
        options = unmodifiableMap(new LinkedHashMap<>(requireNonNull(options, "options is null")));
        if (command.isEmpty() && !name.equals("basebackup")) {
            throw new IllegalArgumentException("replica method " + name + " has no command");
        }
    }

    public boolean isBasebackup()
    {
        return command.isEmpty();
    }
}
