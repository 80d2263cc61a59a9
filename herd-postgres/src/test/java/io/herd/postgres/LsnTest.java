package io.herd.postgres;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LsnTest
{
    @Test
    void parsesHighAndLowHalves()
    {
        assertThat(Lsn.parse("0/4000060")).isEqualTo(0x4000060L);
        assertThat(Lsn.parse("1/0")).isEqualTo(1L << 32);
        assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF")).isEqualTo(-1L);
    }

    @Test
    void formatsAsPostgresDoes()
    {
        assertThat(Lsn.format(0x4000060L)).isEqualTo("0/4000060");
        assertThat(Lsn.format((0x16L << 32) | 0xB374D848L)).isEqualTo("16/B374D848");
        assertThat(Lsn.format(0)).isEqualTo("0/0");
    }

    @Test
    void formatAndParseRoundTrip()
    {
        for (long lsn : new long[] {0, 1, 0x3000148L, 0xABCDEF0123456789L}) {
            assertThat(Lsn.parse(Lsn.format(lsn))).isEqualTo(lsn);
        }
    }

    @Test
    void rejectsTextThatIsNoLsn()
    {
        assertThatThrownBy(() -> Lsn.parse("4000060")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4000060");
        assertThatThrownBy(() -> Lsn.parse("0/xyz")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lsn.parse("/1")).isInstanceOf(IllegalArgumentException.class);
    }
}
