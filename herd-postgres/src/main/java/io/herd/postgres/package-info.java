/**
 * Control of the one local PostgreSQL 15 an agent manages.
 *
 * <p>Entry points: {@link io.herd.postgres.PostgresServer} (one per data directory, built from
 * {@link io.herd.postgres.PostgresSettings}) and {@link io.herd.postgres.Fencer}. Typical sequences:
 * <ul>
 * <li>bootstrap: {@code initdb(); writeConfiguration(PRIMARY, empty); start(); createRoles();}</li>
 * <li>new replica: {@code createReplica(methods, Optional.of(source))} (or {@code cloneFrom(source)});
 *     {@code writeConfiguration(REPLICA, Optional.of(source)); start();}</li>
 * <li>promotion: {@code promote(); writeConfiguration(PRIMARY, empty)} then {@code reload()} when it says so;
 *     {@code syncReplicationSlots(...)} every cycle on the primary</li>
 * <li>former primary rejoins: {@code stop(FAST)}; {@code needsRewind(rewindSource)} (runs crash recovery first
 *     when needed); if true {@code rewind(rewindSource)}; then {@code writeConfiguration(REPLICA, source); start();}</li>
 * <li>crash watch: {@code onExit()} completes when the postmaster exits</li>
 * <li>fencing: {@code Fencer.start(...)}; {@code arm(leaseExpiry - now - margin)} after each renewal;
 *     {@code disarm()} on demotion; {@code close()} on clean shutdown</li>
 * </ul>
 * Lifecycle methods block for up to their timeout: call them off the HA loop. Failures are
 * {@link io.herd.postgres.PostgresException}s whose message carries the tail of the program's output or the server log.
 */
package io.herd.postgres;
