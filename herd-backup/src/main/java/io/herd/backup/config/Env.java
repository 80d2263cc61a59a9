package io.herd.backup.config;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/** Typed reads of an injected environment map; empty values count as unset, as WAL-G treats them. */
public final class Env
{
    private final Map<String, String> values;

    public Env(Map<String, String> values)
    {
        this.values = Map.copyOf(requireNonNull(values, "values is null"));
    }

    public Map<String, String> asMap()
    {
        return values;
    }

    public Optional<String> get(String name)
    {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(value.trim());
    }

    public Optional<String> first(String... names)
    {
        for (String name : names) {
            Optional<String> value = get(name);
            if (value.isPresent()) {
                return value;
            }
        }
        return Optional.empty();
    }

    /** Go's strconv.ParseBool forms, which WAL-G uses. */
    public boolean bool(String name, boolean defaultValue)
    {
        Optional<String> value = get(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        switch (value.get()) {
            case "1", "t", "T", "true", "TRUE", "True":
                return true;
            case "0", "f", "F", "false", "FALSE", "False":
                return false;
            default:
                throw InvalidSettingException.invalid(name, value.get(), "true or false");
        }
    }

    public int positiveInt(String name, int defaultValue)
    {
        Optional<String> value = get(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            int parsed = Integer.parseInt(value.get());
            if (parsed > 0) {
                return parsed;
            }
        }
        catch (NumberFormatException ignored) {
            // reported below
        }
        throw InvalidSettingException.invalid(name, value.get(), "a positive integer");
    }

    public long positiveLong(String name, long defaultValue)
    {
        Optional<String> value = get(name);
        if (value.isEmpty()) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.get());
            if (parsed > 0) {
                return parsed;
            }
        }
        catch (NumberFormatException ignored) {
            // reported below
        }
        throw InvalidSettingException.invalid(name, value.get(), "a positive integer");
    }

    public Optional<String> lower(String name)
    {
        return get(name).map(value -> value.toLowerCase(Locale.ROOT));
    }
}
