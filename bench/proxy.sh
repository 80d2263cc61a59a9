#!/usr/bin/env bash
# pgbench against one PostgreSQL 15 three ways in the same run, with the same client count: (a) direct,
# (b) through herd proxy, (c) through HAProxy (Debian package) configured as Patroni documents it
# (mode tcp, option httpchk OPTIONS /primary, expect 200, inter 3s fall 3 rise 2, on-marked-down shutdown-sessions).
# Both proxies check the same health endpoint: a minimal stand-in for the agent's REST API that answers 200.
#
# Usage: bench/proxy.sh                      (as root it re-runs itself as the unprivileged user 'herd')
#   CLIENTS=8 THREADS=2 DURATION=20 SCALE=10 ROUNDS=1 HERD_IO_THREADS=1 PIN=0 bench/proxy.sh
#   PIN=1: PostgreSQL and pgbench on CPU 0, each proxy on CPU 1 (a core of its own)
#   HERD_CP: java classpath holding io.herd.cli.Herd (default: bin/herd's jar)
set -euo pipefail
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
if [ "$(id -u)" = 0 ]; then
    exec runuser -u herd -- env HOME=/var/lib/herd CLIENTS="${CLIENTS:-}" THREADS="${THREADS:-}" DURATION="${DURATION:-}" SCALE="${SCALE:-}" \
        ROUNDS="${ROUNDS:-}" HERD_IO_THREADS="${HERD_IO_THREADS:-}" HERD_JAVA_OPTS="${HERD_JAVA_OPTS:-}" PIN="${PIN:-}" HERD_CP="${HERD_CP:-}" "$0" "$@"
fi
CLIENTS=${CLIENTS:-8}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20}
SCALE=${SCALE:-10}
ROUNDS=${ROUNDS:-1}
HERD_IO_THREADS=${HERD_IO_THREADS:-1}
PIN=${PIN:-0}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
command -v haproxy >/dev/null || { echo "haproxy is not installed (apt-get install haproxy)" >&2; exit 1; }
command -v pgbench >/dev/null || { echo "pgbench is not installed" >&2; exit 1; }

work=$(mktemp -d /tmp/herd-bench.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    "$PGBIN/pg_ctl" stop -D "$work/data" -m immediate >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
pin_db() { if [ "$PIN" = 1 ]; then echo "taskset -c 0"; fi; }
pin_proxy() { if [ "$PIN" = 1 ]; then echo "taskset -c 1"; fi; }
wait_ready() {
    for _ in $(seq 1 300); do
        if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres; then return 0; fi
        sleep 0.1
    done
    echo "nothing answers on port $1 after 30 s" >&2
    return 1
}

PGPORT=$(free_port); APIPORT=$(free_port); HAPORT=$(free_port)

"$PGBIN/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
$(pin_db) "$PGBIN/pg_ctl" start -D "$work/data" -l "$work/postgres.log" -w -o \
    "-p $PGPORT -k $work -c listen_addresses=127.0.0.1 -c max_connections=100 -c shared_buffers=256MB -c synchronous_commit=off" >/dev/null
pgbench -i -q -s "$SCALE" -h 127.0.0.1 -p "$PGPORT" -U postgres postgres >/dev/null 2>&1

# the health endpoint both proxies check: answers 200 to any GET/HEAD/OPTIONS, like a leader's /primary
python3 - "$APIPORT" >/dev/null 2>&1 <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
class Ok(BaseHTTPRequestHandler):
    def answer(self):
        self.send_response(200)
        self.end_headers()
    do_GET = do_HEAD = do_OPTIONS = answer
    def log_message(self, *args):
        pass
HTTPServer(("127.0.0.1", int(sys.argv[1])), Ok).serve_forever()
PY
pids+=($!)

if [ -n "${HERD_CP:-}" ]; then
    herd=(java ${HERD_JAVA_OPTS:-} -cp "$HERD_CP" io.herd.cli.Herd)
else
    herd=("$repo/bin/herd")
fi
declare -A port pid
port[direct]=$PGPORT
port[herd]=$(free_port)
cat > "$work/herd.yml" <<YML
proxy:
  listeners:
    - {name: primary, bind: 127.0.0.1:${port[herd]}, role: primary}
  backends:
    - {name: pg1, postgres: 127.0.0.1:$PGPORT, api: http://127.0.0.1:$APIPORT}
  health_check: {interval: 3s, timeout: 2s, rise: 2, fall: 3, primary: OPTIONS /primary}
YML
$(pin_proxy) "${herd[@]}" proxy --io-threads "$HERD_IO_THREADS" "$work/herd.yml" >"$work/herd.log" 2>&1 &
pids+=($!)
pid[herd]=$!

cat > "$work/haproxy.cfg" <<CFG
global
    maxconn 100
defaults
    mode tcp
    retries 2
    timeout client 30m
    timeout connect 4s
    timeout server 30m
    timeout check 5s
listen primary
    bind 127.0.0.1:$HAPORT
    option httpchk OPTIONS /primary
    http-check expect status 200
    default-server inter 3s fall 3 rise 2 on-marked-down shutdown-sessions
    server pg1 127.0.0.1:$PGPORT maxconn 100 check port $APIPORT
CFG
$(pin_proxy) haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
pid[haproxy]=$!
port[haproxy]=$HAPORT
targets=(direct herd haproxy)

for target in "${targets[@]}"; do
    wait_ready "${port[$target]}" || { cat "$work/$target.log" >&2; exit 1; }
done

run() { # mode target port -> "tps transactions"
    local flags=()
    [ "$1" = select-only ] && flags=(-S)
    $(pin_db) pgbench -n "${flags[@]}" -c "$CLIENTS" -j "$THREADS" -T "$DURATION" -h 127.0.0.1 -p "$3" -U postgres postgres 2>/dev/null \
        | awk '/^number of transactions actually processed/ {n = $NF} /^tps = .*without initial connection time/ {t = $3} END {print t, n}'
}
# CPU time (user + system, clock ticks) a process has used so far: the proxies' cost per transaction is what they
# take away from PostgreSQL and pgbench on shared cores
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICK=$(getconf CLK_TCK)

# warm up: JIT-compile the relay path and open the pools before anything is measured
for target in "${targets[@]}"; do
    $(pin_db) pgbench -n -S -c "$CLIENTS" -j "$THREADS" -T 5 -h 127.0.0.1 -p "${port[$target]}" -U postgres postgres >/dev/null 2>&1
done

declare -A tps cpu txns
for round in $(seq 1 "$ROUNDS"); do
    for mode in select-only tpcb-like; do
        for target in "${targets[@]}"; do
            p=${pid[$target]:-}
            before=$([ -z "$p" ] || cpu_ticks "$p")
            read -r value transactions < <(run "$mode" "$target" "${port[$target]}")
            used=$([ -z "$p" ] || echo $(( $(cpu_ticks "$p") - before )))
            echo "round $round $mode $target: $value tps, $transactions transactions${p:+, proxy CPU $used ticks}" >&2
            tps[$mode,$target]=$(python3 -c "print(${tps[$mode,$target]:-0} + $value)")
            cpu[$mode,$target]=$(( ${cpu[$mode,$target]:-0} + ${used:-0} ))
            txns[$mode,$target]=$(( ${txns[$mode,$target]:-0} + transactions ))
        done
    done
done

echo "pgbench -c $CLIENTS -j $THREADS -T $DURATION, scale $SCALE, $ROUNDS round(s), herd --io-threads $HERD_IO_THREADS, pinned: $PIN, $(nproc) CPUs"
echo
echo "| workload | target | tps | / direct | / HAProxy | proxy CPU per transaction |"
echo "|---|---|---|---|---|---|"
for mode in select-only tpcb-like; do
    for target in "${targets[@]}"; do
        python3 - "$mode" "$target" "$ROUNDS" "${tps[$mode,$target]}" "${tps[$mode,direct]}" "${tps[$mode,haproxy]}" \
            "${cpu[$mode,$target]}" "${txns[$mode,$target]}" "$TICK" <<'PY'
import sys
mode, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
t, d, a = (float(v) / n for v in sys.argv[4:7])
ticks, transactions, tick = (int(v) for v in sys.argv[7:10])
cpu = "" if target == "direct" else f"{ticks / tick / transactions * 1e6:.1f} µs"
print(f"| {mode} | {target} | {t:.0f} | {t/d:.2f}x | {t/a:.2f}x | {cpu} |")
PY
    done
done
