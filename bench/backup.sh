#!/usr/bin/env bash
# Backups, herd vs pgBackRest (Debian package), same machine, same run, same PostgreSQL 15 cluster, disk to disk:
# herd writes WAL-G's layout under WALG_FILE_PREFIX, pgBackRest a posix repo; both zstd level 3, PROCS workers each.
#
#  (a) WAL archiving. For each archiver in turn (herd daemon + bin/herd-wal-client, pgbackrest archive-push sync,
#      pgbackrest archive-push async with process-max=PROCS):
#      - under load: pgbench (tpcb-like, CLIENTS clients) for DURATION s; segments archived/s while it runs, archive
#        lag = .ready files in pg_wal/archive_status sampled every second (mean, max), then the time to drain the rest;
#      - backlog: archiving paused (archive_command=''), bulk INSERTs until BACKLOG segments are .ready (pgbench alone
#        is too slow here), then the archiver is switched on and timed until nothing is .ready: its maximum rate.
#  (b) Base backup and restore of the pgbench database (SCALE=150 gives ~2.2 GB): herd backup-push/backup-fetch vs
#      pgbackrest backup --type=full/restore. MB/s = size of PGDATA without pg_wal / wall time.
#
# Usage: bench/backup.sh      (as root it re-runs itself as the unprivileged user 'herd'; needs pgbackrest, pgbench)
#   SCALE=150 DURATION=30 BACKLOG=64 CLIENTS=4 PROCS=2 bench/backup.sh     (SKIP_WAL=1: only the base backups,
#   SKIP_BASE=1: only the WAL archiving; a small SCALE such as 10 is then enough)
#   BASE_ROUNDS=3: backups, then restores, alternate herd/pgBackRest this many times; the best of each is reported
#   WAL_PHASES: which archivers, in which order (default: herd-daemon+client herd-daemon+python-client
#   pgbackrest-sync pgbackrest-async; herd-daemon+client is bin/herd-wal-client, i.e. the native client when built)
#   HERD_CP: java classpath holding io.herd.backup.cli.HerdBackupMain (default: herd-backup/target/classes and its
#   runtime dependencies, from an offline `mvn dependency:build-classpath` with repository HERD_M2)
# Everything lives in one temp directory; the script stops exactly the processes it started (by PID) and removes it.
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
if [ "$(id -u)" = 0 ]; then
    exec runuser -u herd -- env HOME=/var/lib/herd PATH="/usr/local/bin:/usr/bin:/bin" SCALE="${SCALE:-}" DURATION="${DURATION:-}" \
        BACKLOG="${BACKLOG:-}" SKIP_WAL="${SKIP_WAL:-}" SKIP_BASE="${SKIP_BASE:-}" CLIENTS="${CLIENTS:-}" PROCS="${PROCS:-}" WAL_PHASES="${WAL_PHASES:-}" BASE_ROUNDS="${BASE_ROUNDS:-}" HERD_CP="${HERD_CP:-}" HERD_DAEMON_JAVA_OPTS="${HERD_DAEMON_JAVA_OPTS:-}" HERD_M2="${HERD_M2:-}" "$0" "$@"
fi
SCALE=${SCALE:-150}
DURATION=${DURATION:-30}
BACKLOG=${BACKLOG:-64}
CLIENTS=${CLIENTS:-4}
PROCS=${PROCS:-2}
BASE_ROUNDS=${BASE_ROUNDS:-3}
WAL_PHASES=${WAL_PHASES:-herd-daemon+client herd-daemon+python-client pgbackrest-sync pgbackrest-async}
HERD_M2=${HERD_M2:-/var/lib/herd/m2}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
command -v pgbackrest >/dev/null || { echo "pgbackrest is not installed (apt-get install -y pgbackrest)" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/herd-bench-backup.XXXXXX)
pids=()
pg_started=0
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$pg_started" = 1 ]; then "$PGBIN/pg_ctl" stop -D "$work/data" -m fast >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${HERD_CP:-}" ]; then
    (cd "$repo" && mvn -q -o -Dmaven.repo.local="$HERD_M2" -pl herd-backup dependency:build-classpath \
        -Dmdep.includeScope=runtime -Dmdep.outputFile="$work/cp" >/dev/null)
    HERD_CP="$repo/herd-backup/target/classes:$(cat "$work/cp")"
fi
herd() { java -cp "$HERD_CP" io.herd.backup.cli.HerdBackupMain "$@"; }

now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
PGPORT=$(free_port)
export PGHOST="$work" PGPORT PGUSER=postgres PGDATABASE=postgres
set_archive_check() { [ "$(sql 'show archive_command')" = "$1" ] || { echo "archive_command did not change to $1" >&2; exit 1; }; }
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
ready_count() { find "$work/data/pg_wal/archive_status" -name '*.ready' | wc -l; }
archived_count() { sql "select archived_count from pg_stat_archiver"; }
set_archive() { sql "alter system set archive_command = '$1'" && sql "select pg_reload_conf()" >/dev/null && sleep 0.5 && set_archive_check "$1"; }
wait_drained() {
    local limit=$1 start
    start=$(now)
    while [ "$(ready_count)" -gt 0 ]; do
        if [ "$(calc "int($(now) - $start > $limit)")" = 1 ]; then echo "archive did not drain in ${limit}s" >&2; return 1; fi
        sleep 0.2
    done
}
result() { echo "$*" | tee -a "$work/results"; }

# --- PostgreSQL and the pgbench database -------------------------------------------------------------------------
"$PGBIN/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
# archive settings in the file, not on the command line, so that ALTER SYSTEM can switch archive_command per phase
printf "archive_mode = on\narchive_command = 'true'\nwal_level = replica\n" >>"$work/data/postgresql.conf"
"$PGBIN/pg_ctl" start -D "$work/data" -l "$work/postgres.log" -w -o "-p $PGPORT -k $work -c listen_addresses=127.0.0.1 \
    -c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=30min -c synchronous_commit=off \
    " >/dev/null
pg_started=1
echo "PostgreSQL $(sql 'show server_version') pid $(head -1 "$work/data/postmaster.pid") on $work; pgbench -i -s $SCALE ..." >&2
t0=$(now)
pgbench -i -q -s "$SCALE" >/dev/null 2>&1
sql "checkpoint"
echo "pgbench -i took $(calc "round($(now) - $t0)") s" >&2
data_bytes=$(du -sb --exclude=pg_wal "$work/data" | cut -f1)
result "database: pgbench scale $SCALE, PGDATA without pg_wal $(calc "round($data_bytes / 1e6)") MB"

# --- herd and pgBackRest configuration ----------------------------------------------------------------------------
export WALG_FILE_PREFIX="$work/herd-repo" WALG_COMPRESSION_METHOD=zstd WALG_UPLOAD_CONCURRENCY="$PROCS" \
    WALG_DOWNLOAD_CONCURRENCY="$PROCS" PGDATA="$work/data"
mkdir -p "$work/herd-repo" "$work/pgbr-repo" "$work/pgbr-log" "$work/pgbr-lock" "$work/pgbr-spool"
cat >"$work/pgbackrest.conf" <<EOF
[global]
repo1-path=$work/pgbr-repo
compress-type=zst
compress-level=3
process-max=$PROCS
log-path=$work/pgbr-log
lock-path=$work/pgbr-lock
spool-path=$work/pgbr-spool
log-level-console=warn
log-level-file=off
start-fast=y

[bench]
pg1-path=$work/data
pg1-port=$PGPORT
pg1-socket-path=$work
pg1-user=postgres
EOF
pgbr() { pgbackrest --config="$work/pgbackrest.conf" --stanza=bench "$@"; }
pgbr stanza-create >/dev/null

# HERD_DAEMON_JAVA_OPTS: extra JVM options for the daemon, e.g. -XX:StartFlightRecording=filename=/tmp/daemon.jfr
java ${HERD_DAEMON_JAVA_OPTS:-} -cp "$HERD_CP" io.herd.backup.cli.HerdBackupMain daemon "$work/wal.sock" >"$work/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 150); do [ -S "$work/wal.sock" ] && break; sleep 0.2; done
[ -S "$work/wal.sock" ] || { cat "$work/daemon.log" >&2; exit 1; }

HERD_ARCHIVE="$repo/bin/herd-wal-client $work/wal.sock wal-push %p"
# The Python client alone (what runs where no C compiler built herd-backup/target/herd-wal-client), for comparison
HERD_ARCHIVE_PY="/usr/bin/python3 -IS $repo/bin/herd-wal-client.py $work/wal.sock wal-push %p"
PGBR_SYNC="pgbackrest --config=$work/pgbackrest.conf --stanza=bench --no-archive-async archive-push %p"
PGBR_ASYNC="pgbackrest --config=$work/pgbackrest.conf --stanza=bench --archive-async archive-push %p"

# --- (a) WAL archiving ----------------------------------------------------------------------------------------------
under_load() {
    local label=$1 command=$2 a0 a1 lsn0 lsn1 t0 t1 t2 sampler
    set_archive "$command"
    sql "select pg_switch_wal()" >/dev/null
    wait_drained 600
    a0=$(archived_count); lsn0=$(sql "select pg_current_wal_lsn()")
    (while true; do ready_count; sleep 1; done) >"$work/ready.$label" &
    sampler=$!
    t0=$(now)
    pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" >"$work/pgbench.$label" 2>&1
    t1=$(now)
    kill "$sampler"; wait "$sampler" 2>/dev/null || true
    a1=$(archived_count); lsn1=$(sql "select pg_current_wal_lsn()")
    wait_drained 900
    t2=$(now)
    local generated tps stats
    generated=$(sql "select round(pg_wal_lsn_diff('$lsn1', '$lsn0') / 16777216.0, 1)")
    tps=$(grep -o 'tps = [0-9.]*' "$work/pgbench.$label" | head -1 | cut -d' ' -f3)
    stats=$(python3 -c "import sys; v=[int(x) for x in open(sys.argv[1]).read().split()]; print('%.1f %d' % (sum(v)/len(v), max(v)))" "$work/ready.$label")
    result "wal-load $label: pgbench ${tps} tps, WAL generated $generated segments in $(calc "round($t1 - $t0, 1)") s;" \
        "archived during load $((a1 - a0)) = $(calc "round(($a1 - $a0) / ($t1 - $t0), 2)") seg/s;" \
        "lag (.ready) mean ${stats% *} max ${stats#* } segments; drain after load $(calc "round($t2 - $t1, 1)") s"
}
# CPU time the whole machine spent busy (not idle, not waiting for I/O), in clock ticks: while a backlog drains, the
# archiver, its clients, PostgreSQL and the kernel all work for the archive, so busy time per segment is the cost of
# archiving it, whatever the scheduler made of the two cores
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8; exit}' /proc/stat; }
TICK=$(getconf CLK_TCK)
backlog() {
    local label=$1 command=$2 bench n t0 t1
    set_archive ''
    sql "create table if not exists filler (id int, payload text)"
    while [ "$(ready_count)" -lt "$BACKLOG" ]; do
        # ~100 MB of WAL per statement, hex text that compresses about as well as pgbench's WAL does
        sql "insert into filler select g, md5(g::text) || md5((g * 7)::text) || md5((g * 13)::text) || md5((g * 31)::text) from generate_series(1, 500000) g"
    done
    sql "truncate filler"
    sql "select pg_switch_wal()" >/dev/null
    sleep 1
    n=$(ready_count)
    c0=$(busy_ticks)
    t0=$(now)
    set_archive "$command"
    wait_drained 900
    t1=$(now)
    c1=$(busy_ticks)
    result "wal-backlog $label: $n segments archived in $(calc "round($t1 - $t0, 2)") s = $(calc "round($n / ($t1 - $t0), 2)") seg/s" \
        "($(calc "round($n * 16 / ($t1 - $t0), 1)") MB/s of WAL); machine CPU $(calc "round(($c1 - $c0) * 1000 / $TICK / $n)") ms per segment"
}
declare -A ARCHIVERS=([herd-daemon+client]=$HERD_ARCHIVE [herd-daemon+python-client]=$HERD_ARCHIVE_PY
    [pgbackrest-sync]=$PGBR_SYNC [pgbackrest-async]=$PGBR_ASYNC)
[ "${SKIP_WAL:-0}" = 1 ] || for label in $WAL_PHASES; do
    [ -n "${ARCHIVERS[$label]:-}" ] || { echo "unknown WAL phase $label (one of ${!ARCHIVERS[*]})" >&2; exit 1; }
    echo "WAL phase $label ..." >&2
    under_load "$label" "${ARCHIVERS[$label]}"
    backlog "$label" "${ARCHIVERS[$label]}"
done
[ "${SKIP_WAL:-0}" = 1 ] || result "WAL objects: herd $(find "$work/herd-repo/wal_005" -type f | wc -l) ($(du -sm "$work/herd-repo/wal_005" | cut -f1) MB)," \
    "pgbackrest $(find "$work/pgbr-repo/archive" -type f -name '0*' | wc -l) ($(du -sm "$work/pgbr-repo/archive" | cut -f1) MB)"

if [ "${SKIP_BASE:-0}" = 1 ]; then
    echo; echo "=== results ==="; cat "$work/results"
    exit 0
fi

# --- (b) base backup and restore -------------------------------------------------------------------------------------
timed() { local t0; t0=$(now); "$@" >"$work/last.out" 2>&1 || { cat "$work/last.out" >&2; return 1; }; calc "round($(now) - $t0, 2)"; }
rate() { calc "round($data_bytes / 1e6 / $1, 1)"; }

sql "vacuum"
sql "checkpoint"
data_bytes=$(du -sb --exclude=pg_wal "$work/data" | cut -f1)
result "database before the base backups: PGDATA without pg_wal $(calc "round($data_bytes / 1e6)") MB"
# backups and restores alternate (herd, pgBackRest, herd, ...), BASE_ROUNDS times each: a restore writes ~2.4 GB into
# the page cache, a backup follows a checkpoint, and whoever goes first meets a different writeback state; the best
# of each tool's rounds is reported, every round is listed
herd_push=; pgbr_push=
for round in $(seq 1 "$BASE_ROUNDS"); do
    set_archive "$HERD_ARCHIVE"
    echo "herd backup-push (round $round) ..." >&2
    t=$(PGHOST=127.0.0.1 timed herd backup-push "$work/data")  # herd connects over TCP (JDBC)
    set_archive "$PGBR_ASYNC"
    echo "pgbackrest backup (round $round) ..." >&2
    u=$(timed pgbr backup --type=full)
    result "backup round $round: herd $t s, pgbackrest $u s"
    herd_push=$(calc "min(${herd_push:-$t}, $t)"); pgbr_push=$(calc "min(${pgbr_push:-$u}, $u)")
done
herd_fetch=; pgbr_fetch=
for round in $(seq 1 "$BASE_ROUNDS"); do
    echo "herd backup-fetch (round $round) ..." >&2
    t=$(timed herd backup-fetch "$work/restore-herd" LATEST); cat "$work/last.out" >&2
    rm -rf "$work/restore-herd"
    echo "pgbackrest restore (round $round) ..." >&2
    u=$(timed pgbr restore --pg1-path="$work/restore-pgbr")
    rm -rf "$work/restore-pgbr"
    result "restore round $round: herd $t s, pgbackrest $u s"
    herd_fetch=$(calc "min(${herd_fetch:-$t}, $t)"); pgbr_fetch=$(calc "min(${pgbr_fetch:-$u}, $u)")
done
herd_size=$(du -sb "$work/herd-repo/basebackups_005" | cut -f1)
pgbr_size=$(du -sb "$work/pgbr-repo/backup" | cut -f1)
result "backup herd: push $herd_push s = $(rate "$herd_push") MB/s, fetch $herd_fetch s = $(rate "$herd_fetch") MB/s, stored $(calc "round($herd_size / 1e6)") MB"
result "backup pgbackrest: backup $pgbr_push s = $(rate "$pgbr_push") MB/s, restore $pgbr_fetch s = $(rate "$pgbr_fetch") MB/s, stored $(calc "round($pgbr_size / 1e6)") MB"
result "ratios herd/pgbackrest (MB/s): backup $(calc "round($pgbr_push / $herd_push, 2)"), restore $(calc "round($pgbr_fetch / $herd_fetch, 2)")"
result "settings: zstd level 3 both; herd WALG_UPLOAD_CONCURRENCY=WALG_DOWNLOAD_CONCURRENCY=$PROCS, tar parts of 1 GiB; pgbackrest process-max=$PROCS; $(nproc) CPUs; $(java -version 2>&1 | head -1); pgBackRest $(pgbackrest version | cut -d' ' -f2)"
echo
echo "=== results ==="
cat "$work/results"
