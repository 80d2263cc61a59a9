package io.herd.agent.ha;

import com.fasterxml.jackson.databind.JsonNode;
import io.herd.core.cluster.Member;
import io.herd.core.cluster.PatroniCodec;
import io.herd.core.cluster.Tags;
import io.herd.core.ha.PeerStatus;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;

/**
 * Asks the other members for their status ({@code GET <api_url>}, Patroni's {@code /patroni}) in parallel, with
 * a short timeout: a member that does not answer is treated as unreachable, never waited for.
 */
public final class PeerClient
{
    private final HttpClient client;
    private final Duration timeout;

    public PeerClient(Duration timeout)
    {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newCachedThreadPool(r -> {
                    Thread thread = new Thread(r, "herd-peer-client");
                    thread.setDaemon(true);
                    return thread;
                }))
                .build();
    }

    public Map<String, PeerStatus> fetch(Collection<Member> members)
    {
        Map<String, CompletableFuture<PeerStatus>> futures = new HashMap<>();
        for (Member member : members) {
            futures.put(member.name(), fetchOne(member));
        }
        Map<String, PeerStatus> result = new HashMap<>();
        futures.forEach((name, future) -> result.put(name, future.join()));
        return result;
    }

    private CompletableFuture<PeerStatus> fetchOne(Member member)
    {
        URI uri;
        try {
            uri = URI.create(member.apiUrl());
        }
        catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(PeerStatus.unreachable(member.name()));
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> parse(member.name(), response.body()))
                .exceptionally(e -> PeerStatus.unreachable(member.name()));
    }

    /** A peer that answers without {@code xlog} is treated as unreachable, as Patroni does. */
    static PeerStatus parse(String name, String body)
    {
        JsonNode json = PatroniCodec.readTree(body);
        if (json == null || !json.isObject() || !json.has("xlog")) {
            return PeerStatus.unreachable(name);
        }
        JsonNode xlog = json.get("xlog");
        String role = json.path("role").asText("");
        boolean primary = role.equals("primary") || role.equals("master") || xlog.path("location").asLong(0) != 0;
        long position = primary ? xlog.path("location").asLong(0)
                : Math.max(xlog.path("received_location").asLong(0), xlog.path("replayed_location").asLong(0));
        Map<String, Object> tags = PatroniCodec.toMap(json.get("tags"));
        boolean running = json.path("state").asText("").equals("running");
        return new PeerStatus(name, true, primary && running, OptionalLong.of(position), Tags.failoverPriority(tags), Tags.nofailover(tags));
    }

}
