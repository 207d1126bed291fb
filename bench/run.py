#!/usr/bin/env python3
"""Runs the reference workloads of issue 4 through sweep and the plain-Python
baseline in one invocation and prints, for each: configs/s, trace rows/s,
bytes per stored trace row, peak RSS, and the ratios the targets are stated
in. Ratios, not seconds, are what to compare: the machine is shared. Also
the peak RSS of 8 and of 64 runs of 1,000,000 stored rows each at --jobs 2
(issue 11: memory must not grow with iterations or configs).

Usage: bench/run.py [--skip-w2]     (from the repository root or anywhere)
Exit status 1 when a target is missed.
"""
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)


def measure(argv, db):
    """Runs argv, returning wall seconds and peak RSS in MB (of the child)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, rusage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - start
    if status != 0:
        sys.exit(f"{' '.join(argv)} failed: {proc.stderr.read().decode()}")
    return seconds, rusage.ru_maxrss / 1024


def ctrl_c(binary, db, yaml):
    """Starts a sweep of yaml, sends SIGINT after 2 s and returns how many
    milliseconds it took to exit, committing what finished: the promptness
    the README promises for Ctrl-C."""
    proc = subprocess.Popen([binary, "run", "--db", db, yaml], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    status = proc.wait()
    ms = (time.monotonic() - start) * 1000
    if status != 130:
        sys.exit(f"Ctrl-C of {yaml}: exit status {status}, want 130")
    return ms


def counts(db, baseline):
    """Configs, trace rows computed and trace rows stored, read back by a
    child process: a child's peak RSS starts at its parent's (Linux copies
    the high-water mark at fork), so this process must never read 20 MB
    traces itself, or every later measure() would report its peak."""
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--count", db, "baseline" if baseline else "sweep"],
                         check=True, capture_output=True, text=True).stdout
    return tuple(int(n) for n in out.split())


def count(db, baseline):
    """counts, in this process."""
    con = sqlite3.connect(db)
    if baseline:
        configs, stored = con.execute("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM trace)").fetchone()
        computed = stored
    else:
        configs, computed = con.execute("SELECT count(*), sum(steps) FROM runs").fetchone()
        stored = con.execute("SELECT coalesce(sum(json_array_length(weights)), 0) FROM trace_weights").fetchone()[0]
    con.close()
    return configs, computed, stored


def main():
    if sys.argv[1:2] == ["--count"]:
        print(*count(sys.argv[2], sys.argv[3] == "baseline"))
        return
    skip_w2 = "--skip-w2" in sys.argv
    tmp = tempfile.mkdtemp(prefix="sweep-bench-")
    binary = os.path.join(tmp, "sweep")
    subprocess.run(["go", "build", "-o", binary, "./cmd/sweep"], cwd=ROOT, check=True)

    runs = [
        ("W1 every row", "baseline", None, []),
        ("W1 every row", "sweep", "w1.yaml", []),
        ("W1 every row --jobs 1", "sweep", "w1.yaml", ["--jobs", "1"]),
        ("W1 no trace", "sweep", "w1.yaml", ["--trace", "none"]),
        ("compute --jobs 1", "sweep", "compute.yaml", ["--jobs", "1"]),
        ("compute --jobs 2", "sweep", "compute.yaml", ["--jobs", "2"]),
        ("W2/10 no trace", "sweep", "w2_tenth.yaml", []),
        ("memory 8 x 1M rows", "sweep", "memory8.yaml", ["--jobs", "2"]),
        ("memory 64 x 1M rows", "sweep", "memory64.yaml", ["--jobs", "2"]),
    ]
    if not skip_w2:
        runs.append(("W2 no trace", "sweep", "w2.yaml", []))

    results = {}
    reuse_of = {("W1 every row", "sweep"): None, ("W2/10 no trace", "sweep"): None}
    print(f"{'workload':24} {'tool':8} {'configs':>9} {'rows':>10} {'seconds':>8} {'configs/s':>10} "
          f"{'rows/s':>10} {'B/row':>6} {'RSS MB':>7}")
    for i, (name, tool, yaml, flags) in enumerate(runs):
        db = os.path.join(tmp, f"{i}.db")
        if tool == "baseline":
            argv = [sys.executable, os.path.join(BENCH, "baseline.py"), db]
        else:
            argv = [binary, "run", "--db", db] + flags + [os.path.join(BENCH, yaml)]
        seconds, rss = measure(argv, db)
        configs, computed, stored = counts(db, tool == "baseline")
        size = os.path.getsize(db)
        per_row = f"{size / stored:.0f}" if stored else "-"
        print(f"{name:24} {tool:8} {configs:9d} {computed:10d} {seconds:8.2f} {configs / seconds:10.0f} "
              f"{computed / seconds:10.0f} {per_row:>6} {rss:7.1f}", flush=True)
        results[(name, tool)] = dict(seconds=seconds, rss=rss, size=size, configs=configs, rows=computed)
        if (name, tool) in reuse_of:
            os.rename(db, os.path.join(tmp, f"reuse-{i}.db"))
            reuse_of[(name, tool)] = (os.path.join(tmp, f"reuse-{i}.db"), yaml)
        else:
            os.remove(db)

    # Reuse (issue 13): a workload run again under another name into the
    # database that holds it: every config is stored, so every run is
    # reused, none run.
    for (name, tool), (reuse_db, yaml) in reuse_of.items():
        again = os.path.join(tmp, "again.yaml")
        with open(os.path.join(BENCH, yaml)) as f:
            text = f.read()
        with open(again, "w") as f:
            f.write(text.replace("\nname: ", "\nname: again_", 1))
        seconds, rss = measure([binary, "run", "--db", reuse_db, again], reuse_db)
        con = sqlite3.connect(reuse_db)
        reused = con.execute("SELECT count(*) FROM runs WHERE sweep_id = 2").fetchone()[0]
        con.close()
        label = name.split(" ")[0] + " all reused"
        print(f"{label:24} {tool:8} {reused:9d} {'-':>10} {seconds:8.2f} {reused / seconds:10.0f} "
              f"{'-':>10} {'-':>6} {rss:7.1f}", flush=True)
        results[(label, tool)] = dict(seconds=seconds, rss=rss, configs=reused)
        os.remove(reuse_db)

    base = results[("W1 every row", "baseline")]
    w1 = results[("W1 every row", "sweep")]
    checks = [
        ("W1 every row: sweep time / baseline time", w1["seconds"] / base["seconds"], "<=", 0.5),
        ("W1 no trace: sweep time / baseline time", results[("W1 no trace", "sweep")]["seconds"] / base["seconds"], "<=", 0.05),
        ("W1 database: sweep bytes / baseline bytes", w1["size"] / base["size"], "<=", 1.0),
        ("W1 all reused: configs reused", results[("W1 all reused", "sweep")]["configs"], ">=", 8400),
        ("W1 all reused: time / fresh W1 time", results[("W1 all reused", "sweep")]["seconds"] / w1["seconds"], "<=", 0.1),
        ("W2/10 all reused: time / fresh W2/10 time",
         results[("W2/10 all reused", "sweep")]["seconds"] / results[("W2/10 no trace", "sweep")]["seconds"], "<=", 1.0),
        ("W1 trace rows/s: --jobs 2 / --jobs 1", results[("W1 every row --jobs 1", "sweep")]["seconds"] / w1["seconds"], ">=", 1.0),
        ("compute: --jobs 2 speed-up over --jobs 1",
         results[("compute --jobs 1", "sweep")]["seconds"] / results[("compute --jobs 2", "sweep")]["seconds"], ">", 1.0),
        ("memory, 8 runs of 1M rows: peak RSS MB", results[("memory 8 x 1M rows", "sweep")]["rss"], "<", 256),
        ("memory, 64 runs of 1M rows: peak RSS MB", results[("memory 64 x 1M rows", "sweep")]["rss"], "<", 256),
    ]
    if not skip_w2:
        stop_ms = ctrl_c(binary, os.path.join(tmp, "ctrl-c.db"), os.path.join(BENCH, "w2.yaml"))
        print(f"W2 Ctrl-C after 2 s: exited 130 {stop_ms:.0f} ms after SIGINT")
        checks.append(("W2 Ctrl-C: ms from SIGINT to exit", stop_ms, "<", 500))
        w2, tenth = results[("W2 no trace", "sweep")], results[("W2/10 no trace", "sweep")]
        checks += [
            ("W2 no trace: configs/s", w2["configs"] / w2["seconds"], ">=", 200_000),
            ("W2 no trace: peak RSS MB", w2["rss"], "<", 100),
            ("W2 peak RSS / W2/10 peak RSS", w2["rss"] / tenth["rss"], "<=", 1.2),
        ]
    print()
    failed = False
    for what, value, op, target in checks:
        ok = {"<=": value <= target, ">=": value >= target, "<": value < target, ">": value > target}[op]
        failed |= not ok
        print(f"{'ok  ' if ok else 'MISS'} {what:45} {value:12.3f}  (target {op} {target:g})")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
