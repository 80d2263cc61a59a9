package io.herd.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Optional;

import static java.util.Objects.requireNonNull;

/**
 * The {@code bootstrap} section.
 *
 * @param dcs the dynamic configuration written to the {@code config} key when this member creates the cluster
 * @param initdb initdb options already in command-line form ({@code --encoding=UTF8}, {@code --data-checksums})
 * @param pgHba Patroni 3's {@code bootstrap.pg_hba}, used when {@code postgresql.pg_hba} is absent
 */
public record BootstrapConfig(ObjectNode dcs, List<String> initdb, List<String> pgHba, Optional<String> postBootstrap)
{
    public BootstrapConfig
    {
        requireNonNull(dcs, "dcs is null");
        initdb = List.copyOf(requireNonNull(initdb, "initdb is null"));
        pgHba = List.copyOf(requireNonNull(pgHba, "pgHba is null"));
        requireNonNull(postBootstrap, "postBootstrap is null");
    }
}
