package io.herd.core.dcs;

import static java.util.Objects.requireNonNull;

/** Patroni's key names under {@code /<namespace>/<scope>/}. */
public record DcsKeys(String base)
{
    public DcsKeys
    {
        requireNonNull(base, "base is null");
        if (!base.endsWith("/")) {
            throw new IllegalArgumentException("base must end with '/': " + base);
        }
    }

    /** Normalises slashes as Patroni does: {@code service} and {@code /service/} both give {@code /service/batman/}. */
    public static DcsKeys of(String namespace, String scope)
    {
        String ns = namespace.replaceAll("/+", "/").replaceAll("^/|/$", "");
        return new DcsKeys("/" + (ns.isEmpty() ? "" : ns + "/") + scope + "/");
    }

    public String leader()
    {
        return base + "leader";
    }

    public String initialize()
    {
        return base + "initialize";
    }

    public String config()
    {
        return base + "config";
    }

    public String members()
    {
        return base + "members/";
    }

    public String member(String name)
    {
        return members() + name;
    }

    public String status()
    {
        return base + "status";
    }

    public String legacyOptime()
    {
        return base + "optime/leader";
    }

    public String history()
    {
        return base + "history";
    }

    public String failover()
    {
        return base + "failover";
    }

    public String sync()
    {
        return base + "sync";
    }

    public String failsafe()
    {
        return base + "failsafe";
    }

    /** The key relative to the base, or null when it is outside this cluster. */
    public String relative(String key)
    {
        return key.startsWith(base) ? key.substring(base.length()) : null;
    }
}
