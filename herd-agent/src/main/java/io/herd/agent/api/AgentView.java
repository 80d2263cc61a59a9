package io.herd.agent.api;

import io.herd.agent.NodeStatus;
import io.herd.core.cluster.ClusterView;

import java.util.Optional;

/** What the REST API may read of the agent: cached status, and the cluster from the store. */
public interface AgentView
{
    String scope();

    String name();

    NodeStatus status();

    /** The cluster from the store, read fresh; empty when the store is unreachable. */
    Optional<ClusterView> cluster();
}
