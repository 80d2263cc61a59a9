package io.herd.postgres;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.ResultSet;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrimaryServerTest
{
    private TestMember primary;

    @BeforeAll
    void startPrimary()
    {
        primary = new TestMember("alpha").bootstrapPrimary();
    }

    @AfterAll
    void stopPrimary()
    {
        if (primary != null) {
            primary.close();
        }
    }

    @Test
    void bootstrappedPrimaryReportsItsStatus()
    {
        PostgresStatus status = primary.server.status();
        assertThat(status.inRecovery()).isFalse();
        assertThat(status.serverVersionNum()).isBetween(150000, 159999);
        assertThat(status.timeline()).isEqualTo(1);
        assertThat(status.walPosition()).isPositive();
        assertThat(status.replicationState()).isEmpty();
        assertThat(status.pendingRestart()).isFalse();
        assertThat(status.systemIdentifier()).isEqualTo(primary.server.controlData().systemIdentifier());
        assertThat(primary.server.isRunning()).isTrue();
        assertThat(primary.server.postmasterPid()).isPresent();
    }

    @Test
    void initializedDataDirectoryIsRecognized()
    {
        assertThat(primary.server.dataDirectoryState().kind()).isEqualTo(DataDirectoryState.Kind.INITIALIZED);
        ControlData control = primary.server.controlData();
        assertThat(control.state()).isEqualTo(ControlData.IN_PRODUCTION);
        assertThat(control.timeline()).isEqualTo(1);
        assertThat(control.checkpointLsn()).isGreaterThanOrEqualTo(control.redoLsn());
    }

    @Test
    void initdbRefusesAnInitializedDirectory()
    {
        assertThatThrownBy(() -> primary.server.initdb())
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("refusing initdb");
    }

    @Test
    void startRefusesWhenAlreadyRunning()
    {
        assertThatThrownBy(() -> primary.server.start())
                .isInstanceOf(PostgresException.class)
                .hasMessageContaining("already running");
    }

    @Test
    void rolesCanLogInWithTheirPasswords()
            throws Exception
    {
        try (PostgresSql rewind = PostgresSql.connect("127.0.0.1", primary.settings.port(), TestMember.REWIND, java.time.Duration.ofSeconds(5))) {
            assertThat(rewind.currentTimeline()).isEqualTo(1);
        }
        try (var connection = primary.connect(); ResultSet row = connection.createStatement().executeQuery(
                "SELECT rolreplication, rolcanlogin FROM pg_roles WHERE rolname = 'replicator'")) {
            assertThat(row.next()).isTrue();
            assertThat(row.getBoolean(1)).isTrue();
            assertThat(row.getBoolean(2)).isTrue();
        }
    }

    @Test
    void slotsAreCreatedAndUnwantedInactiveOnesDropped()
    {
        SlotChanges first = primary.server.syncReplicationSlots(Set.of("beta", "gamma"));
        assertThat(first.created()).containsExactlyInAnyOrder("beta", "gamma");

        SlotChanges second = primary.server.syncReplicationSlots(Set.of("gamma", "delta"));
        assertThat(second.created()).containsExactly("delta");
        assertThat(second.dropped()).containsExactly("beta");

        SlotChanges third = primary.server.syncReplicationSlots(Set.of());
        assertThat(third.dropped()).containsExactlyInAnyOrder("gamma", "delta");
        assertThat(primary.server.syncReplicationSlots(Set.of())).isEqualTo(new SlotChanges(Set.of(), Set.of(), Set.of()));
    }

    @Test
    void rewritingTheSameConfigurationChangesNothingAndAParameterNeedsOnlyAReload()
    {
        assertThat(primary.server.writeConfiguration(ServerRole.PRIMARY, Optional.empty())).isEqualTo(ConfigurationChange.NONE);
        PostgresServer changed = new PostgresServer(new PostgresSettings(primary.settings.dataDir(), primary.settings.binDir(),
                primary.settings.listenHosts(), primary.settings.port(), primary.settings.connectAddress(), primary.settings.superuser(),
                primary.settings.replication(), primary.settings.rewind(), withParameter("work_mem", "8MB"), primary.settings.pgHba(),
                primary.settings.pgpassPath(), primary.settings.socketDir(), primary.settings.logDir(), primary.settings.clusterName(),
                primary.settings.memberName(), primary.settings.initdbOptions(), primary.settings.basebackupOptions(),
                primary.settings.startTimeout(), primary.settings.stopTimeout()));
        assertThat(changed.writeConfiguration(ServerRole.PRIMARY, Optional.empty())).isEqualTo(ConfigurationChange.RELOAD);
        changed.reload();
        assertThat(primary.server.writeConfiguration(ServerRole.PRIMARY, Optional.empty())).isEqualTo(ConfigurationChange.RELOAD);
        primary.server.reload();
        assertThat(primary.server.writeConfiguration(ServerRole.REPLICA, Optional.empty())).isEqualTo(ConfigurationChange.RESTART);
        assertThat(primary.server.writeConfiguration(ServerRole.PRIMARY, Optional.empty())).isEqualTo(ConfigurationChange.RESTART);
    }

    private java.util.Map<String, String> withParameter(String name, String value)
    {
        java.util.Map<String, String> parameters = new java.util.LinkedHashMap<>(primary.settings.parameters());
        parameters.put(name, value);
        return parameters;
    }
}
