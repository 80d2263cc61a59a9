package io.herd.proxy.health;

import org.junit.jupiter.api.Test;

import static io.herd.proxy.health.ProbeResult.FAIL;
import static io.herd.proxy.health.ProbeResult.PASS;
import static io.herd.proxy.health.ProbeResult.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

class TestCheckState
{
    private static final int RISE = 2;
    private static final int FALL = 3;

    @Test
    void becomesUpOnlyAfterRiseConsecutivePasses()
    {
        CheckState state = CheckState.UNKNOWN.record(PASS, RISE, FALL);
        assertThat(state.up()).isFalse();
        assertThat(state.lastPassed()).isTrue();
        state = state.record(FAIL, RISE, FALL).record(PASS, RISE, FALL);
        assertThat(state.up()).isFalse();
        assertThat(state.record(PASS, RISE, FALL).up()).isTrue();
    }

    @Test
    void goesDownOnlyAfterFallConsecutiveFailures()
    {
        CheckState up = CheckState.UNKNOWN.record(PASS, RISE, FALL).record(PASS, RISE, FALL);
        CheckState twoFailures = up.record(TIMEOUT, RISE, FALL).record(FAIL, RISE, FALL);
        assertThat(twoFailures.up()).isTrue();
        assertThat(twoFailures.record(PASS, RISE, FALL).record(FAIL, RISE, FALL).record(FAIL, RISE, FALL).up()).isTrue();
        assertThat(twoFailures.record(FAIL, RISE, FALL).up()).isFalse();
    }

    @Test
    void confirmsAnEtcdLeaderOnOnePassButNotAfterFallFailures()
    {
        assertThat(CheckState.UNKNOWN.confirms(FALL)).isFalse();
        assertThat(CheckState.UNKNOWN.record(PASS, RISE, FALL).confirms(FALL)).isTrue();
        assertThat(CheckState.UNKNOWN.record(FAIL, RISE, FALL).confirms(FALL)).isFalse();
        CheckState up = CheckState.UNKNOWN.record(PASS, RISE, FALL).record(PASS, RISE, FALL);
        assertThat(up.record(TIMEOUT, RISE, FALL).confirms(FALL)).isTrue();
        assertThat(up.record(TIMEOUT, RISE, FALL).record(TIMEOUT, RISE, FALL).record(TIMEOUT, RISE, FALL).confirms(FALL)).isFalse();
    }
}
