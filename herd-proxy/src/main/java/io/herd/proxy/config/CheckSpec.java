package io.herd.proxy.config;

import java.util.Locale;
import java.util.Set;

import static java.util.Objects.requireNonNull;

/**
 * One HTTP health check as HAProxy's {@code option httpchk} writes it: a method and a path with its query,
 * e.g. {@code OPTIONS /primary} or {@code GET /replica?lag=10MB}. A backend passes when it answers 200.
 */
public record CheckSpec(String method, String path)
{
    private static final Set<String> METHODS = Set.of("GET", "HEAD", "OPTIONS");

    public CheckSpec
    {
        requireNonNull(method, "method is null");
        requireNonNull(path, "path is null");
        if (!METHODS.contains(method)) {
            throw new IllegalArgumentException("method '" + method + "' is not one of GET, HEAD, OPTIONS");
        }
        if (!path.startsWith("/") || path.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("path '" + path + "' does not start with / or contains spaces");
        }
    }

    /** {@code "OPTIONS /primary"}, or a bare path meaning GET (as a Patroni REST URL would be written). */
    public static CheckSpec parse(String text)
    {
        String[] parts = text.trim().split("\\s+");
        if (parts.length == 1) {
            return new CheckSpec("GET", parts[0]);
        }
        if (parts.length != 2) {
            throw new IllegalArgumentException("'" + text + "' is not 'METHOD /path'");
        }
        return new CheckSpec(parts[0].toUpperCase(Locale.ROOT), parts[1]);
    }

    /** The same check with one more query parameter. */
    public CheckSpec withQuery(String name, String value)
    {
        return new CheckSpec(method, path + (path.contains("?") ? "&" : "?") + name + "=" + value);
    }

    @Override
    public String toString()
    {
        return method + " " + path;
    }
}
