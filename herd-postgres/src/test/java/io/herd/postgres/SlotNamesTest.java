package io.herd.postgres;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SlotNamesTest
{
    @Test
    void lowerCasesAndMapsDashesAndDots()
    {
        assertThat(PostgresServer.slotName("Node-1.dc")).isEqualTo("node_1_dc");
    }

    @Test
    void encodesOtherCharactersAsCodePoints()
    {
        assertThat(SlotNames.slotName("a b")).isEqualTo("au0032b");
        assertThat(SlotNames.slotName("x@y")).isEqualTo("xu0064y");
        assertThat(SlotNames.slotName("é")).isEqualTo("u0233");
    }

    @Test
    void cutsToSixtyThreeCharacters()
    {
        assertThat(SlotNames.slotName("m".repeat(70))).hasSize(63);
    }
}
