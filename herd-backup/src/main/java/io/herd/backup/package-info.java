/**
 * Continuous backups of PostgreSQL in WAL-G's object layout ({@code wal_005/}, {@code basebackups_005/}) on S3 or a
 * file system.
 *
 * <p>In-process use (the agent): build a {@link io.herd.backup.BackupService} from a
 * {@link io.herd.backup.config.BackupSettings} ({@code BackupSettings.fromEnv(map)} reads WAL-G's variables), then call
 * {@code walPush}, {@code walFetch}, {@code backupPush}, {@code backupFetch}, {@code backupForTarget},
 * {@code prepareRecovery}, {@code planRetain}/{@code delete} and {@code verifyWal}. A
 * {@link io.herd.backup.daemon.WalDaemon} serves wal-push/wal-fetch on a Unix socket with WAL-G's daemon framing.
 *
 * <p>Command line: {@link io.herd.backup.cli.BackupCommands#all()} returns the picocli subcommands for {@code herd}.
 */
package io.herd.backup;
