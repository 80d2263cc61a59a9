#!/usr/bin/python3
"""Failover benchmark for Herd and Patroni (issue 2, item 9).

One run on this machine, everything on 127.0.0.1 in a temporary directory: a private etcd, then for each
configuration a fresh three-node cluster (Herd agents or Debian's patroni, the SAME YAML for both), and these
scenarios, each repeated --runs times on the same cluster (re-formed from scratch if it does not heal):

  pg-crash    kill -9 of the primary's postmaster -> first committed write on a primary
  host-crash  kill -9 of the primary's agent and postmaster together -> first committed write on another node;
              then the old node's agent is started again -> the old node is a streaming replica
  clean-stop  SIGTERM to the primary's agent -> first committed write on another node (agent started again after)

Writes come from a loop that connects with a libpq multi-host string (target_session_attrs=read-write,
connect_timeout=1) and INSERTs + commits every ~20 ms. Times are measured on CLOCK_MONOTONIC from the signal to the
end of the first successful COMMIT whose attempt began after the signal.

Then a false-failover check: Herd at its own defaults under a saturating pgbench (-c 8 -j 2, TPC-B-like) on the
primary, counting changes of the leader key in etcd (value or create_revision).

PostgreSQL will not run as root: run as root, the script re-executes itself as the user 'herd' (runuser) and copies
the JSON result back. It stops exactly the processes it started, by PID, also on Ctrl-C and errors.
"""

import argparse
import base64
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(REPO, "herd-cli", "target", "herd.jar")
PG_BIN = "/usr/lib/postgresql/15/bin"
PASSWORD = "bench-secret"
PYTHON = "/usr/bin/python3"  # Debian's, which has psycopg2 and patroni
RUN_AS = "herd"

# name -> (system, bootstrap.dcs timing lines or None for the system's own defaults, description)
PROFILES = {
    "herd-30": ("herd", {"ttl": 30, "loop_wait": 10, "retry_timeout": 10}, "Herd at Patroni's defaults 30/10/10"),
    "patroni-30": ("patroni", {"ttl": 30, "loop_wait": 10, "retry_timeout": 10}, "Patroni 3.0.2 at its defaults 30/10/10"),
    "herd-default": ("herd", None, "Herd at its own defaults (ttl 4, loop_wait 1, retry_timeout 1.5)"),
    "herd-20": ("herd", {"ttl": 20, "loop_wait": 1, "retry_timeout": 9}, "Herd at 20/1/9"),
    "patroni-20": ("patroni", {"ttl": 20, "loop_wait": 1, "retry_timeout": 9}, "Patroni 3.0.2 at its minimum ttl: 20/1/9"),
}
DEFAULT_PROFILES = "herd-30,patroni-30,herd-default"
SCENARIOS = ("pg-crash", "host-crash", "clean-stop")


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def free_ports(n):
    socks, ports = [], []
    try:
        while len(ports) < n:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as dead
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def kill(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


class Etcd:
    def __init__(self, workdir):
        self.client, self.peer = free_ports(2)
        self.dir = os.path.join(workdir, "etcd")
        os.makedirs(self.dir)
        self.log = open(os.path.join(workdir, "etcd.log"), "ab")
        c, p = "http://127.0.0.1:%d" % self.client, "http://127.0.0.1:%d" % self.peer
        self.proc = subprocess.Popen(
            ["/usr/bin/etcd", "--name", "bench", "--data-dir", os.path.join(self.dir, "data"),
             "--listen-client-urls", c, "--advertise-client-urls", c, "--listen-peer-urls", p,
             "--initial-advertise-peer-urls", p, "--initial-cluster", "bench=" + p],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.get("/probe")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("etcd did not start; see " + self.log.name)

    def get(self, key):
        """(value, create_revision) of a key through etcd's JSON gateway, or (None, None)."""
        body = json.dumps({"key": base64.b64encode(key.encode()).decode()}).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/v3/kv/range" % self.client, data=body, method="POST")
        with urllib.request.urlopen(req, timeout=2) as r:
            kvs = json.load(r).get("kvs") or []
        if not kvs:
            return None, None
        return base64.b64decode(kvs[0].get("value", "")).decode(), int(kvs[0].get("create_revision", 0))

    def stop(self):
        if self.proc.poll() is None:
            kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class Node:
    def __init__(self, name, directory):
        self.name = name
        self.dir = directory
        self.data = os.path.join(directory, "data")
        self.pg_port, self.api_port = free_ports(2)
        self.proc = None
        self.logfile = os.path.join(directory, "agent.log")

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                pid = int(f.readline().strip())
        except (OSError, ValueError):
            return None
        # only a live postgres whose working directory is this node's data directory is ours
        try:
            if alive(pid) and os.path.realpath(os.readlink("/proc/%d/cwd" % pid)) == os.path.realpath(self.data):
                return pid
        except OSError:
            pass
        return None

    def mark(self, text):
        with open(self.logfile, "a") as f:
            f.write("=== bench %s: %s\n" % (time.strftime("%H:%M:%S"), text))


class Cluster:
    def __init__(self, system, timing, etcd, workdir, scope, jar):
        self.system, self.timing, self.etcd, self.scope, self.jar = system, timing, etcd, scope, jar
        self.dir = os.path.join(workdir, scope)
        self.nodes = [Node("node%d" % i, os.path.join(self.dir, "node%d" % i)) for i in (1, 2, 3)]
        self.loop_wait = (timing or {}).get("loop_wait", 1)
        for n in self.nodes:
            os.makedirs(n.dir)
            with open(os.path.join(n.dir, "node.yml"), "w") as f:
                f.write(self.config(n))

    def config(self, n):
        dcs = "".join("    %s: %s\n" % kv for kv in (self.timing or {}).items())
        return ("scope: {scope}\n"
                "namespace: /service/\n"
                "name: {name}\n"
                "restapi:\n"
                "  listen: 127.0.0.1:{api}\n"
                "  connect_address: 127.0.0.1:{api}\n"
                "etcd3:\n"
                "  hosts: 127.0.0.1:{etcd}\n"
                "bootstrap:\n"
                "  dcs:\n"
                "{dcs}"
                "    postgresql:\n"
                "      use_pg_rewind: true\n"
                "      use_slots: true\n"
                "  initdb:\n"
                "  - encoding: UTF8\n"
                "  - data-checksums\n"
                "postgresql:\n"
                "  listen: 127.0.0.1:{pg}\n"
                "  connect_address: 127.0.0.1:{pg}\n"
                "  data_dir: {dir}/data\n"
                "  bin_dir: {bin}\n"
                "  pgpass: {dir}/pgpass\n"
                "  authentication:\n"
                "    superuser:\n"
                "      username: postgres\n"
                "      password: {pw}\n"
                "    replication:\n"
                "      username: replicator\n"
                "      password: {pw}\n"
                "  parameters:\n"
                "    unix_socket_directories: '{dir}'\n"
                "    shared_buffers: 16MB\n"
                "  pg_hba:\n"
                "  - local all all trust\n"
                "  - host replication replicator 127.0.0.1/32 md5\n"
                "  - host all all 127.0.0.1/32 md5\n").format(
            scope=self.scope, name=n.name, api=n.api_port, etcd=self.etcd.client, dcs=dcs, pg=n.pg_port,
            dir=n.dir, bin=PG_BIN, pw=PASSWORD)

    def start_agent(self, n):
        cfg = os.path.join(n.dir, "node.yml")
        if self.system == "herd":
            cmd = ["java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", self.jar, "agent", cfg]
        else:
            cmd = [PYTHON, "/usr/bin/patroni", cfg]
        env = dict(os.environ, HERD_NAME=n.name)
        out = open(n.logfile, "ab")
        n.proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  env=env, cwd=n.dir, start_new_session=True)
        out.close()

    def start(self):
        for n in self.nodes:
            self.start_agent(n)

    def node(self, name):
        return next((n for n in self.nodes if n.name == name), None)

    def leader(self):
        try:
            value, _ = self.etcd.get("/service/%s/leader" % self.scope)
        except OSError:
            return None
        return self.node(value) if value else None

    def leader_key(self):
        return self.etcd.get("/service/%s/leader" % self.scope)

    def dsn(self):
        return ("host=%s port=%s dbname=postgres user=postgres password=%s target_session_attrs=read-write "
                "connect_timeout=1" % (",".join("127.0.0.1" for _ in self.nodes),
                                       ",".join(str(n.pg_port) for n in self.nodes), PASSWORD))

    def healthy(self):
        """The leader key names a node whose agent runs, whose PostgreSQL is writable and streams to both others."""
        if any(n.proc is None or n.proc.poll() is not None for n in self.nodes):
            return False
        lead = self.leader()
        if lead is None:
            return False
        try:
            with connect_node(lead, connect_timeout=1) as conn, conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery()")
                if cur.fetchone()[0]:
                    return False
                cur.execute("CREATE TABLE IF NOT EXISTS bench_writes (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())")
            conn.close()
        except Exception:
            return False
        # pg_stat_replication also lists pg_basebackup's walsender, so ask each replica itself
        return all(is_streaming(n) for n in self.nodes if n is not lead)

    def wait_healthy(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.healthy():
                return True
            time.sleep(0.5)
        return False

    def stop(self):
        """SIGTERM every agent we started, then SIGKILL stragglers and any postmaster left in our data dirs."""
        for n in self.nodes:
            if n.proc is not None and n.proc.poll() is None:
                kill(n.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 60
        for n in self.nodes:
            if n.proc is None:
                continue
            try:
                n.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                kill(n.proc.pid, signal.SIGKILL)
                n.proc.wait()
        for n in self.nodes:
            pid = n.postmaster_pid()
            if pid:
                kill(pid, signal.SIGQUIT)
                for _ in range(50):
                    if not alive(pid):
                        break
                    time.sleep(0.1)
                if alive(pid):
                    kill(pid, signal.SIGKILL)


class Writer(threading.Thread):
    """INSERT + COMMIT every ~20 ms through a multi-host read-write connection; records each success."""

    def __init__(self, dsn, period=0.02):
        super().__init__(daemon=True)
        self.dsn, self.period = dsn, period
        self.ok = []  # (attempt start, commit end, server port), monotonic
        self.errors = 0
        self.stopping = threading.Event()

    def run(self):
        import psycopg2
        conn = None
        while not self.stopping.is_set():
            start = time.monotonic()
            try:
                if conn is None:
                    conn = psycopg2.connect(self.dsn, options="-c statement_timeout=5000",
                                            keepalives=1, keepalives_idle=1, keepalives_interval=1, keepalives_count=2)
                with conn.cursor() as cur:
                    cur.execute("INSERT INTO bench_writes DEFAULT VALUES RETURNING inet_server_port(), pg_postmaster_start_time()::text")
                    port, since = cur.fetchone()
                conn.commit()
                self.ok.append((start, time.monotonic(), port, since))
            except Exception:
                self.errors += 1
                if conn is not None:
                    try:
                        conn.close()
                    except Exception:
                        pass
                    conn = None
            rest = self.period - (time.monotonic() - start)
            if rest > 0:
                time.sleep(rest)
        if conn is not None:
            conn.close()

    def first_after(self, t0, exclude_port=None, exclude_postmaster=None, timeout=120):
        """Seconds from t0 to the first commit whose attempt began at or after t0, not on exclude_port and not served
        by the postmaster exclude_postmaster (port, start time): after a kill -9 of a postmaster its orphaned
        backends can still commit for a moment, which is not the cluster recovering."""
        deadline = t0 + timeout
        i = 0
        while time.monotonic() < deadline:
            ok = self.ok
            while i < len(ok):
                start, end, port, since = ok[i]
                i += 1
                if start >= t0 and port != exclude_port and (port, since) != exclude_postmaster:
                    return end - t0, port
            time.sleep(0.005)
        return None, None


def connect_node(node, connect_timeout):
    """A superuser connection to node's PostgreSQL over loopback."""
    import psycopg2
    return psycopg2.connect(host="127.0.0.1", port=node.pg_port, dbname="postgres", user="postgres",
                            password=PASSWORD, connect_timeout=connect_timeout)


def postmaster_identity(node, timeout=30):
    """(port, start time) of node's running postmaster; retried, the machine may be busy."""
    import psycopg2
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = connect_node(node, connect_timeout=3)
            try:
                with conn.cursor() as cur:
                    cur.execute("SELECT inet_server_port(), pg_postmaster_start_time()::text")
                    return tuple(cur.fetchone())
            finally:
                conn.close()
        except psycopg2.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def is_streaming(node):
    """node's PostgreSQL is in recovery with its WAL receiver streaming."""
    try:
        conn = connect_node(node, connect_timeout=1)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver)")
                recovery, status = cur.fetchone()
        finally:
            conn.close()
        return bool(recovery and status == "streaming")
    except Exception:
        return False


def wait_streaming(node, t0, timeout=300):
    """Seconds from t0 until node is a streaming replica."""
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if is_streaming(node):
            return time.monotonic() - t0
        time.sleep(0.1)
    return None


def wait_exit(proc, timeout):
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def run_scenario(cluster, writer, scenario, run):
    lead = cluster.leader()
    pm = lead.postmaster_pid()
    old = postmaster_identity(lead)
    res = {"scenario": scenario, "run": run, "old_primary": lead.name}
    for n in cluster.nodes:
        n.mark("%s run %d starts; primary %s (postmaster %s, agent %s)" % (scenario, run, lead.name, pm, lead.proc.pid))
    if scenario == "pg-crash":
        t0 = time.monotonic()
        kill(pm, signal.SIGKILL)
        secs, port = writer.first_after(t0, exclude_postmaster=old)
        res["write_s"] = secs
    elif scenario == "host-crash":
        t0 = time.monotonic()
        kill(lead.proc.pid, signal.SIGKILL)
        kill(pm, signal.SIGKILL)
        lead.proc.wait()
        secs, port = writer.first_after(t0, exclude_port=lead.pg_port)
        res["write_s"] = secs
        # orphaned backends of the killed postmaster exit on their own; start the agent as a rebooted host would
        t1 = time.monotonic()
        lead.mark("restarting the agent")
        cluster.start_agent(lead)
        back = wait_streaming(lead, t1)
        res["rejoin_from_restart_s"] = back
        res["rejoin_from_kill_s"] = None if back is None else back + (t1 - t0)
    else:  # clean-stop
        t0 = time.monotonic()
        kill(lead.proc.pid, signal.SIGTERM)
        secs, port = writer.first_after(t0, exclude_port=lead.pg_port)
        res["write_s"] = secs
        if not wait_exit(lead.proc, 90):
            res["note"] = "agent did not exit within 90 s of SIGTERM; killed"
            kill(lead.proc.pid, signal.SIGKILL)
            lead.proc.wait()
        res["agent_exit_s"] = time.monotonic() - t0
        left = lead.postmaster_pid()
        if left:
            res["old_postmaster_left_running"] = True
            lead.mark("postmaster %d still runs after the agent exited" % left)
        t1 = time.monotonic()
        lead.mark("restarting the agent")
        cluster.start_agent(lead)
        res["rejoin_from_restart_s"] = wait_streaming(lead, t1)
    res["new_primary"] = next((n.name for n in cluster.nodes if n.pg_port == port), None) if port else None
    new = cluster.leader()
    res["leader_after"] = new.name if new else None
    return res


def bench_profile(name, args, etcd, workdir, jar, results):
    system, timing, desc = PROFILES[name]
    cluster = None
    forms = 0

    def form():
        nonlocal cluster, forms
        if cluster is not None:
            cluster.stop()
        forms += 1
        cluster = Cluster(system, timing, etcd, workdir, "%s-%d" % (name, forms), jar)
        log("%s: forming a cluster (%s)" % (name, cluster.dir))
        t = time.monotonic()
        cluster.start()
        if not cluster.wait_healthy(300):
            raise RuntimeError("%s: the cluster did not form within 300 s; logs in %s" % (name, cluster.dir))
        log("%s: cluster up in %.1f s" % (name, time.monotonic() - t))
        time.sleep(cluster.loop_wait + 1)

    try:
        form()
        for scenario in args.scenarios:
            for run in range(1, args.runs + 1):
                writer = Writer(cluster.dsn())
                writer.start()
                try:
                    if writer.first_after(time.monotonic(), timeout=60)[0] is None:
                        raise RuntimeError("no write succeeds before the scenario")
                    res = run_scenario(cluster, writer, scenario, run)
                except Exception as e:  # one broken run must not lose the others: record it and go on
                    res = {"scenario": scenario, "run": run, "error": "%s: %s" % (type(e).__name__, e)}
                finally:
                    writer.stopping.set()
                    writer.join(10)
                res.update(profile=name, system=system, cluster=cluster.scope)
                results["runs"].append(res)
                log("%s %s #%d: %s" % (name, scenario, run, json.dumps(
                    {k: (round(v, 2) if isinstance(v, float) else v) for k, v in res.items()
                     if k not in ("profile", "system", "scenario", "run", "cluster")})))
                healed = cluster.wait_healthy(180)
                if not healed:
                    res["healed"] = False
                    log("%s: the cluster did not heal within 180 s after %s #%d; re-forming it" % (name, scenario, run))
                    form()
                else:
                    time.sleep(cluster.loop_wait + 1)
        if name == "herd-default" and args.load_seconds > 0:
            results["load"] = load_test(cluster, args)
    finally:
        if cluster is not None:
            cluster.stop()


def load_test(cluster, args):
    """Saturating pgbench on the primary; counts leader key changes (value or create_revision)."""
    lead = cluster.leader()
    env = dict(os.environ, PGPASSWORD=PASSWORD)
    conn = ["-h", "127.0.0.1", "-p", str(lead.pg_port), "-U", "postgres", "postgres"]
    log("load: pgbench -i -s %d on %s" % (args.scale, lead.name))
    subprocess.run([PG_BIN + "/pgbench", "-i", "-q", "-s", str(args.scale)] + conn, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(cluster.loop_wait + 1)
    before = cluster.leader_key()
    for n in cluster.nodes:
        n.mark("load test starts (%d s pgbench -c 8 -j 2)" % args.load_seconds)
    out = open(os.path.join(cluster.dir, "pgbench.log"), "wb")
    pgb = subprocess.Popen([PG_BIN + "/pgbench", "-c", "8", "-j", "2", "-T", str(args.load_seconds), "-P", "10"] + conn,
                           env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    changes, last, samples, errors = [], before, 0, 0
    t0 = time.monotonic()
    try:
        while pgb.poll() is None:
            try:
                cur = cluster.leader_key()
                samples += 1
                if cur != last:
                    changes.append({"at_s": round(time.monotonic() - t0, 2), "from": last[0], "to": cur[0],
                                    "create_revision": cur[1]})
                    log("load: leader key changed: %s -> %s" % (last, cur))
                    last = cur
            except OSError:
                errors += 1
            time.sleep(0.1)
    finally:
        if pgb.poll() is None:
            kill(pgb.pid, signal.SIGTERM)
            pgb.wait()
        out.close()
    with open(out.name, errors="replace") as f:
        text = f.read()
    tps = [l for l in text.splitlines() if l.startswith("tps") or l.startswith("latency average") or l.startswith("number of failed")]
    after = cluster.leader_key()
    res = {"seconds": args.load_seconds, "scale": args.scale, "primary": lead.name, "leader_changes": len(changes),
           "changes": changes, "samples": samples, "etcd_read_errors": errors, "leader_before": before[0],
           "leader_after": after[0], "pgbench_exit": pgb.returncode, "pgbench": tps}
    log("load: %s" % json.dumps(res))
    return res


def summarize(results):
    rows = []
    by = {}
    for r in results["runs"]:
        by.setdefault((r["profile"], r["scenario"]), []).append(r)
    metrics = [("pg-crash", "write_s", "PostgreSQL crash -> write"),
               ("host-crash", "write_s", "host crash -> write"),
               ("host-crash", "rejoin_from_restart_s", "host crash: agent restart -> streaming"),
               ("host-crash", "rejoin_from_kill_s", "host crash: kill -> old node streaming"),
               ("clean-stop", "write_s", "clean stop -> write"),
               ("clean-stop", "rejoin_from_restart_s", "clean stop: agent restart -> streaming")]
    profiles = [p for p in PROFILES if any(k[0] == p for k in by)]
    summary = {}
    for scen, key, label in metrics:
        line = {}
        for p in profiles:
            vals = [r.get(key) for r in by.get((p, scen), [])]
            ok = [v for v in vals if v is not None]
            if vals:
                line[p] = {"median": median(ok), "min": min(ok) if ok else None, "max": max(ok) if ok else None,
                           "n": len(ok), "failed": len(vals) - len(ok)}
        summary[label] = line
    results["summary"] = summary
    w = max(len(m[2]) for m in metrics)
    head = "%-*s" % (w, "median seconds (min-max, n)") + "".join("  %-22s" % p for p in profiles)
    print("\n" + head)
    print("-" * len(head))
    for scen, key, label in metrics:
        cells = []
        for p in profiles:
            s = summary[label].get(p)
            if not s or s["median"] is None:
                cells.append("  %-22s" % ("-" if not s else "failed x%d" % s["failed"]))
            else:
                cells.append("  %-22s" % ("%.2f (%.2f-%.2f, %d%s)" % (s["median"], s["min"], s["max"], s["n"],
                                                                      ", %d failed" % s["failed"] if s["failed"] else "")))
        print("%-*s" % (w, label) + "".join(cells))
    for a, b in (("herd-30", "patroni-30"), ("herd-default", "patroni-30"), ("herd-20", "patroni-20")):
        if a in profiles and b in profiles:
            parts = []
            for scen, key, label in metrics:
                sa, sb = summary[label].get(a), summary[label].get(b)
                if sa and sb and sa["median"] and sb["median"]:
                    parts.append("%s %.2f" % (label, sa["median"] / sb["median"]))
            print("ratio %s/%s: %s" % (a, b, "; ".join(parts)))
    if "load" in results:
        l = results["load"]
        print("false-failover check: %d leader changes in %d s of pgbench -c 8 -j 2 (%s)" % (
            l["leader_changes"], l["seconds"], "; ".join(l["pgbench"])))


def versions(herd_label=None):
    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception as e:
            return "unknown (%s)" % e
    return {"patroni": out(["/usr/bin/patroni", "--version"]), "postgres": out([PG_BIN + "/postgres", "--version"]),
            "etcd": out(["/usr/bin/etcd", "--version"]), "java": subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
            "herd": herd_label or "jar built from the tree at HEAD %s" % out(["git", "-C", REPO, "rev-parse", "--short", "HEAD"]),
            "kernel": platform.release(), "cpus": os.cpu_count()}


def main_unprivileged(args):
    workdir = args.workdir or tempfile.mkdtemp(prefix="herd-bench-")
    os.makedirs(workdir, exist_ok=True)
    jar = os.path.join(workdir, "herd.jar")
    if not os.path.exists(jar):
        shutil.copy(args.jar, jar)  # a private copy: others may rebuild the tree while we run
    log("work directory %s (agent logs: <profile>/nodeN/agent.log)" % workdir)
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs_per_scenario": args.runs,
               "profiles": {p: {"system": PROFILES[p][0], "dcs": PROFILES[p][1], "description": PROFILES[p][2]} for p in args.profiles},
               "versions": versions(args.herd_label), "runs": []}
    etcd = None

    def on_term(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, on_term)
    try:
        etcd = Etcd(workdir)
        log("etcd on 127.0.0.1:%d" % etcd.client)
        for p in args.profiles:
            bench_profile(p, args, etcd, workdir, jar, results)
            with open(args.out, "w") as f:
                json.dump(results, f, indent=1)
    finally:
        if etcd is not None:
            etcd.stop()
        results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if results["runs"]:
            summarize(results)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
        log("raw results in %s" % args.out)
        if not args.keep and not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log("kept %s" % workdir)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5, help="repetitions of each scenario (default 5)")
    p.add_argument("--profiles", default=DEFAULT_PROFILES,
                   help="comma-separated, from: %s (default %s)" % (", ".join(PROFILES), DEFAULT_PROFILES))
    p.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset of %s" % ", ".join(SCENARIOS))
    p.add_argument("--load-seconds", type=int, default=120, help="pgbench duration of the false-failover check on "
                   "herd-default; 0 skips it (default 120)")
    p.add_argument("--scale", type=int, default=10, help="pgbench scale factor (default 10)")
    p.add_argument("--out", default=os.path.join(os.getcwd(), "failover-results.json"), help="JSON output (default ./failover-results.json)")
    p.add_argument("--jar", default=JAR, help="Herd jar (default herd-cli/target/herd.jar, built if missing)")
    p.add_argument("--herd-label", help="what the jar was built from, for the JSON (default: the repository's HEAD)")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory with all logs")
    p.add_argument("--workdir", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.profiles = [x for x in args.profiles.split(",") if x]
    args.scenarios = [x for x in args.scenarios.split(",") if x]
    for x in args.profiles:
        if x not in PROFILES:
            p.error("unknown profile %s" % x)
    for x in args.scenarios:
        if x not in SCENARIOS:
            p.error("unknown scenario %s" % x)
    args.out = os.path.abspath(args.out)
    if any(PROFILES[x][0] == "herd" for x in args.profiles) and not os.path.exists(args.jar):
        subprocess.run([os.path.join(REPO, "scripts", "build")], check=True)

    if os.geteuid() != 0:
        return main_unprivileged(args)
    # root: PostgreSQL refuses to run as root, so run ourselves as 'herd' in a directory it owns
    import pwd
    try:
        user = pwd.getpwnam(RUN_AS)
    except KeyError:
        sys.exit("failover.py: run as an unprivileged user, or create the user '%s'" % RUN_AS)
    workdir = tempfile.mkdtemp(prefix="herd-bench-")
    os.chown(workdir, user.pw_uid, user.pw_gid)
    shutil.copy(args.jar, os.path.join(workdir, "herd.jar"))
    os.chown(os.path.join(workdir, "herd.jar"), user.pw_uid, user.pw_gid)
    inner_out = os.path.join(workdir, "results.json")
    cmd = ["runuser", "-u", RUN_AS, "--", "env", "HOME=" + workdir, PYTHON, os.path.abspath(__file__),
           "--runs", str(args.runs), "--profiles", ",".join(args.profiles), "--scenarios", ",".join(args.scenarios),
           "--load-seconds", str(args.load_seconds), "--scale", str(args.scale), "--out", inner_out,
           "--jar", os.path.join(workdir, "herd.jar"), "--workdir", workdir]
    if args.herd_label:
        cmd += ["--herd-label", args.herd_label]
    child = subprocess.Popen(cmd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the child gets Ctrl-C too and cleans up itself
    signal.signal(signal.SIGTERM, lambda s, f: kill(child.pid, signal.SIGTERM))
    rc = child.wait()
    if os.path.exists(inner_out):
        shutil.copy(inner_out, args.out)
        print("results copied to %s" % args.out)
    if args.keep:
        print("kept %s" % workdir)
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main() or 0)
