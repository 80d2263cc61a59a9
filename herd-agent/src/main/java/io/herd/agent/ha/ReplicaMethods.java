package io.herd.agent.ha;

import io.herd.core.cluster.Tags;
import io.herd.core.config.PostgresqlConfig;
import io.herd.postgres.ReplicaMethod;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns {@code postgresql.create_replica_methods} and each method's section into the steps a new replica tries in order. */
final class ReplicaMethods
{
    /** One way to fill an empty data directory. */
    sealed interface Step
    {
        String name();

        boolean noLeader();
    }

    /** pg_basebackup or an external command, run by PostgreSQL control. */
    record External(ReplicaMethod method)
            implements Step
    {
        @Override
        public String name()
        {
            return method.name();
        }

        @Override
        public boolean noLeader()
        {
            return method.noLeader();
        }
    }

    /** The latest base backup of this cluster's own archive, restored in-process (Spilo's wal_e / wal_g methods). */
    record FromBackup(String name)
            implements Step
    {
        @Override
        public boolean noLeader()
        {
            return true;
        }
    }

    private static final Set<String> BACKUP_METHODS = Set.of("wal_e", "wal_g", "walg", "herd_backup");

    private static final Set<String> RESERVED = Set.of("command", "no_params", "keep_data", "no_leader", "no_master");

    private ReplicaMethods() {}

    static List<Step> from(PostgresqlConfig config)
    {
        List<Step> methods = new ArrayList<>();
        for (String name : config.createReplicaMethods()) {
            if (name.equals("basebackup") || name.equals("basebackup_fast_xlog")) {
                methods.add(new External(ReplicaMethod.BASEBACKUP));
                continue;
            }
            if (BACKUP_METHODS.contains(name)) {
                methods.add(new FromBackup(name));
                continue;
            }
            Map<String, Object> section = config.replicaMethods().getOrDefault(name, Map.of());
            Map<String, String> options = new LinkedHashMap<>();
            section.forEach((key, value) -> {
                if (!RESERVED.contains(key) && value != null) {
                    options.put(key, String.valueOf(value));
                }
            });
            boolean noLeader = Tags.truthy(section.get("no_leader")) || Tags.truthy(section.get("no_master"));
            methods.add(new External(new ReplicaMethod(name, splitWords(String.valueOf(section.getOrDefault("command", ""))), options,
                    Tags.truthy(section.get("no_params")), Tags.truthy(section.get("keep_data")), noLeader)));
        }
        return methods;
    }

    /** Splits a command line as a POSIX shell would for plain words, single and double quotes and backslashes. */
    static List<String> splitWords(String command)
    {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
                else if (c == '\\' && quote == '"' && i + 1 < command.length()) {
                    current.append(command.charAt(++i));
                }
                else {
                    current.append(c);
                }
            }
            else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            }
            else if (c == '\\' && i + 1 < command.length()) {
                current.append(command.charAt(++i));
                inWord = true;
            }
            else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(current.toString());
                    current.setLength(0);
                    inWord = false;
                }
            }
            else {
                current.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed quote in command: " + command);
        }
        if (inWord) {
            words.add(current.toString());
        }
        return words;
    }
}
