package io.herd.core.config;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The agent's {@code etcd3} section parsing for other programs (the proxy) that read the same section, so a
 * Patroni YAML file's {@code etcd3} mapping can be pasted into their configuration unchanged.
 */
public final class EtcdSections
{
    private EtcdSections() {}

    /**
     * Parses {@code root.etcd3}.
     *
     * @throws ConfigException naming every problem (key, value found, expected form)
     */
    public static EtcdConfig parse(JsonNode root)
    {
        ConfigLoader.Problems problems = new ConfigLoader.Problems();
        EtcdConfig config = EtcdSection.parse(root, problems);
        problems.throwIfAny();
        return config;
    }
}
