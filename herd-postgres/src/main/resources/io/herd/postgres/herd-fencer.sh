#!/usr/bin/env bash
# Herd fencer: stops PostgreSQL when the agent stops confirming its leadership.
# Usage: herd-fencer.sh <data dir> <bin dir> <log file>; commands on stdin, one per line:
#   arm <seconds>   the fence fires when no further command arrives within <seconds> (fractional) or stdin closes
#   disarm          nothing fires; closing stdin now just ends the fencer
set -u
data_dir=$1
bin_dir=$2
log_file=$3
trap '' HUP INT PIPE

log() {
    printf '%s herd-fencer[%d] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$$" "$1" >> "$log_file"
}

# Sets now_us to a monotonic clock in microseconds (/proc/uptime: not moved by wall-clock changes; 10 ms steps).
now() {
    local up rest
    if read -r up rest < /proc/uptime 2> /dev/null; then
        now_us=$((10#${up%.*} * 1000000 + 10#${up#*.} * 10000))
    else
        up=${EPOCHREALTIME/[.,]/}
        now_us=$((10#$up))
    fi
}

fence() {
    local reason=$1 pid
    if "$bin_dir/pg_ctl" stop -D "$data_dir" -m immediate -w -t 5 > /dev/null 2>&1; then
        log "fenced: stopped PostgreSQL in $data_dir (immediate) because $reason"
    else
        pid=$(head -n 1 "$data_dir/postmaster.pid" 2> /dev/null)
        if [[ $pid =~ ^[0-9]+$ ]] && kill -KILL "$pid" 2> /dev/null; then
            log "fenced: killed postmaster $pid of $data_dir because $reason (pg_ctl stop failed)"
        else
            log "fence fired because $reason, but no PostgreSQL was running in $data_dir"
        fi
    fi
    exit 0
}

armed=0
deadline=0
while true; do
    if ((armed)); then
        now
        remaining=$((deadline - now_us))
        if ((remaining <= 0)); then
            fence "the leadership deadline passed without renewal"
        fi
        IFS= read -r -t "$((remaining / 1000000)).$(printf '%06d' $((remaining % 1000000)))" line
    else
        IFS= read -r line
    fi
    status=$?
    if ((status > 128)); then
        fence "the leadership deadline passed without renewal"
    elif ((status != 0)); then
        if ((armed)); then
            fence "the agent went away (stdin closed) while armed"
        fi
        exit 0
    fi
    case $line in
        "arm "*)
            seconds=${line#arm }
            if [[ ! $seconds =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
                log "ignoring malformed command: $line"
                continue
            fi
            whole=${seconds%%.*}
            fraction=000000
            if [[ $seconds == *.* ]]; then
                fraction=${seconds#*.}000000
                fraction=${fraction:0:6}
            fi
            now
            deadline=$((now_us + 10#$whole * 1000000 + 10#$fraction))
            armed=1
            ;;
        disarm)
            armed=0
            ;;
        *)
            log "ignoring unknown command: $line"
            ;;
    esac
done
