package io.herd.agent.ha;

import io.herd.core.ha.PeerStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TestPeerClient
{
    @Test
    void replicaPositionIsTheLargerOfReceivedAndReplayed()
    {
        PeerStatus peer = PeerClient.parse("n2", "{\"state\":\"running\",\"role\":\"replica\",\"xlog\":{\"received_location\":300,\"replayed_location\":200}}");
        assertThat(peer.reachable()).isTrue();
        assertThat(peer.primary()).isFalse();
        assertThat(peer.walPosition()).hasValue(300);
    }

    @Test
    void runningPrimaryIsRecognisedInBothVersionsSpelling()
    {
        assertThat(PeerClient.parse("n2", "{\"state\":\"running\",\"role\":\"master\",\"xlog\":{\"location\":5}}").primary()).isTrue();
        assertThat(PeerClient.parse("n2", "{\"state\":\"running\",\"role\":\"primary\",\"xlog\":{\"location\":5}}").primary()).isTrue();
    }

    @Test
    void answerWithoutXlogCountsAsUnreachable()
    {
        assertThat(PeerClient.parse("n2", "{\"state\":\"stopped\",\"role\":\"replica\"}").reachable()).isFalse();
        assertThat(PeerClient.parse("n2", "<html>garbage").reachable()).isFalse();
    }

    @Test
    void tagsDecideEligibility()
    {
        PeerStatus peer = PeerClient.parse("n2", "{\"state\":\"running\",\"role\":\"replica\",\"xlog\":{\"received_location\":1},\"tags\":{\"nofailover\":true}}");
        assertThat(peer.nofailover()).isTrue();
        assertThat(PeerClient.parse("n2", "{\"state\":\"running\",\"role\":\"replica\",\"xlog\":{\"received_location\":1},\"tags\":{\"failover_priority\":3}}").failoverPriority()).isEqualTo(3);
    }
}
