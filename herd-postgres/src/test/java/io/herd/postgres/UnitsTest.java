package io.herd.postgres;

import io.herd.testing.FreePorts;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsTest
{
    private static final String CONTROLDATA = """
            pg_control version number:            1300
            Catalog version number:               202209061
            Database system identifier:           7307162837480271001
            Database cluster state:               shut down in recovery
            pg_control last modified:             Tue 25 Nov 2025 20:16:01 UTC
            Latest checkpoint location:           0/3000060
            Latest checkpoint's REDO location:    0/3000028
            Latest checkpoint's REDO WAL file:    000000010000000000000003
            Latest checkpoint's TimeLineID:       1
            Minimum recovery ending location:     0/30000D8
            Min recovery ending loc's timeline:   2
            """;

    @Test
    void initdbAsRootIsRefused()
    {
        PostgresServer server = new PostgresServer(PostgresSettings.builder(Path.of("/tmp/herd-never-created/data"), FreePorts.next()).build(), () -> 0);
        assertThatThrownBy(server::initdb)
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("as root");
        assertThat(Path.of("/tmp/herd-never-created")).doesNotExist();
    }

    @Test
    void credentialsNeverShowThePassword()
    {
        Credentials credentials = Credentials.of("postgres", "hunter2");
        assertThat(credentials.toString()).doesNotContain("hunter2");
        assertThat(PostgresSettings.builder(Path.of("/tmp/x/data"), 5432).superuser(credentials).build().toString()).doesNotContain("hunter2");
    }

    @Test
    void controlDataIsParsed()
    {
        ControlData control = ControlData.parse(CONTROLDATA);
        assertThat(control.state()).isEqualTo(ControlData.SHUT_DOWN_IN_RECOVERY);
        assertThat(control.isCleanShutdown()).isTrue();
        assertThat(control.systemIdentifier()).isEqualTo(7307162837480271001L);
        assertThat(control.timeline()).isEqualTo(1);
        assertThat(control.checkpointLsn()).isEqualTo(0x3000060L);
        assertThat(control.redoLsn()).isEqualTo(0x3000028L);
        assertThat(control.minRecoveryEndLsn()).isEqualTo(0x30000D8L);
        assertThat(control.minRecoveryEndTimeline()).isEqualTo(2);
    }

    @Test
    void timelineDivergenceComparesWithTheSwitchpoint()
    {
        String history = "1\t0/3000148\tno recovery target specified\n";
        assertThat(TimelineDivergence.diverged(2, 0x5000000L, 2, Optional.of(history))).isFalse();
        assertThat(TimelineDivergence.diverged(1, 0x3000148L, 2, Optional.of(history))).isFalse();
        assertThat(TimelineDivergence.diverged(1, 0x3000149L, 2, Optional.of(history))).isTrue();
        assertThat(TimelineDivergence.diverged(3, 0x1000000L, 2, Optional.of(history))).isTrue();
        assertThat(TimelineDivergence.diverged(1, 0x1000000L, 3, Optional.of("2\t0/5000000\tx\n"))).isTrue();
    }

    @Test
    void tooLongSocketDirectoryIsRejected()
    {
        assertThatThrownBy(() -> PostgresSettings.builder(Path.of("/tmp/data"), 5432).socketDir(Path.of("/tmp/" + "s".repeat(100))).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("too long");
    }
}
