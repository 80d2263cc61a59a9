package io.herd.core.cluster;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import static java.util.Objects.requireNonNull;

/**
 * One member as published under {@code members/<name>} in Patroni's JSON format.
 * Fields Herd does not understand are kept in {@code extra} so they survive a round trip.
 */
public record Member(
        String name,
        String connUrl,
        String apiUrl,
        String state,
        String role,
        String version,
        OptionalLong xlogLocation,
        OptionalInt timeline,
        Optional<String> replicationState,
        OptionalLong receiveLsn,
        OptionalLong replayLsn,
        Map<String, Object> tags,
        Map<String, Object> extra)
{
    public Member
    {
        requireNonNull(name, "name is null");
        requireNonNull(connUrl, "connUrl is null");
        requireNonNull(apiUrl, "apiUrl is null");
        requireNonNull(state, "state is null");
        requireNonNull(role, "role is null");
        requireNonNull(version, "version is null");
        requireNonNull(xlogLocation, "xlogLocation is null");
        requireNonNull(timeline, "timeline is null");
        requireNonNull(replicationState, "replicationState is null");
        requireNonNull(receiveLsn, "receiveLsn is null");
        requireNonNull(replayLsn, "replayLsn is null");
        tags = Map.copyOf(requireNonNull(tags, "tags is null"));
        extra = Map.copyOf(requireNonNull(extra, "extra is null"));
    }

    public boolean nofailover()
    {
        return Tags.nofailover(tags);
    }

    public int failoverPriority()
    {
        return Tags.failoverPriority(tags);
    }

    public boolean noloadbalance()
    {
        return Tags.flag(tags, "noloadbalance");
    }

    public boolean clonefrom()
    {
        return Tags.flag(tags, "clonefrom");
    }

    public boolean nosync()
    {
        return Tags.flag(tags, "nosync");
    }

    /** Host and port parsed from {@code conn_url}, empty when it is not a postgres:// URL. */
    public Optional<HostPort> postgresAddress()
    {
        return HostPort.fromUrl(connUrl);
    }

    public Optional<HostPort> apiAddress()
    {
        return HostPort.fromUrl(apiUrl);
    }
}
