#!/usr/bin/env python3
"""Runs the reference workloads of issue 4 through sweep and the plain-Python
baseline in one invocation and prints, for each: configs/s, trace rows/s,
bytes per stored trace row, peak RSS, and the ratios the targets are stated
in. Ratios, not seconds, are what to compare: the machine is shared. Also
the peak RSS of 8 and of 64 runs of 1,000,000 stored rows each at --jobs 2
(issue 11: memory must not grow with iterations or configs). And what
sweep costs per run of a user's program (issue 14): 2,000 runs of a tiny
compiled program and 216 of the Python program of example 1, each beside
the plainest alternative, the same command lines launched by xargs -P 2
with each run's stdout to a file of its own; and a run stopped at step 5
of 1,000. And the peak RSS of sweep query printing every trace row of W1
as a table (issue 15: memory must not grow with the result); and, with W2,
what sweep report costs on its 1.5 million runs (issue 15): peak RSS, HTML
size and time, and the checks of a binned report in headless Chromium
(TestReportInBrowserBinned on that page).

Usage: bench/run.py [--skip-w2]     (from the repository root or anywhere)
Exit status 1 when a target is missed.
"""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)


def measure(argv, db, env=None, cwd=None, stdin=None, cpu=None):
    """Runs argv, returning wall seconds and peak RSS in MB (of the child,
    or of its largest descendant); a failure is fatal. The CPU seconds
    (user and system) of the child and of every descendant it waited for
    are appended to cpu, when given."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, rusage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - start
        if status != 0:
            stderr.seek(0)
            sys.exit(f"{' '.join(argv)} failed: {stderr.read().decode(errors='replace')[-4000:]}")
    if cpu is not None:
        cpu.append(rusage.ru_utime + rusage.ru_stime)
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


def query_table(binary, db, rows):
    """Prints every trace row of db (W1's) with sweep query as a table, the
    default format, to /dev/null, prints its line and returns its peak RSS
    in MB: a table used to hold every row to align them (1.5 GB for W1)."""
    seconds, rss = measure([binary, "query", "--db", db, "SELECT * FROM trace"], db)
    print(f"{'W1 query, a table':24} {'sweep':8} {'-':>9} {rows:10d} {seconds:8.2f} {'-':>10} "
          f"{rows / seconds:10.0f} {'-':>6} {rss:7.1f}", flush=True)
    return rss


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
        stored += con.execute("SELECT coalesce(sum(json_array_length(rows)), 0) FROM trace_values").fetchone()[0]
    con.close()
    return configs, computed, stored


# Issue 14: what sweep costs per run of a user's program. The programs of
# bench/programs are built into the temporary directory, which is put first
# in PATH, and so is the directory of the python3 running this script, so
# that sweep and xargs both start the interpreter itself (pyenv's python3 is
# a shell script that takes longer to start than the program runs).
#
# The baseline is the plainest alternative: the same command lines, one a
# line, launched by xargs -P 2, each run's stdout to a file of its own. xargs
# cannot redirect, so each line goes through sh (dash here), which execs the
# program: one fork and two execs a run, where sweep has one fork and one
# exec. The program and its argv are those sweep ran: they are written from
# the runs of the sweep's database, their values in Python's repr as sweep
# writes them, and xargs runs them in the sweep file's directory.
#
# The machine is shared and noisy, so sweep and xargs take turns, REPEAT
# rounds, and the ratio is of the fastest of each. The CPU time of each
# round, the programs' included, is printed too: less sensitive to the
# neighbours than the wall time, it shows what sweep itself adds.
REPEAT = 3
XARGS_SH = 'f=$1; shift; exec "$@" >"$f"'
PROGRAMS = {
    # name: (sweep file in bench/, its command as the file writes it)
    "tiny": ("tiny.yaml", ["tiny", "{alpha}", "{input}", "{goal}", "{weight}", "{iterations}"]),
    "gd.py": ("gd_python.yaml", ["python3", "../experiments/programs/gd.py", "--alpha", "{alpha}", "--input", "{input}",
                                 "--goal", "{goal}", "--weight", "{weight}", "--iterations", "{iterations}"]),
}


def command_lines(db, command, out):
    """The command of each run of the sweep in db, in run order, as lines
    for xargs -L 1, each led by the file its stdout goes to, in out."""
    con = sqlite3.connect(db)
    lines = []
    for i, (alpha, inp, goal, weight, iterations) in enumerate(
            con.execute("SELECT alpha, input, goal, weight, iterations FROM runs ORDER BY id")):
        values = {"{alpha}": repr(alpha), "{input}": repr(inp), "{goal}": repr(goal), "{weight}": repr(weight),
                  "{iterations}": str(iterations)}
        argv = [values.get(a, a) for a in command]
        if any(" " in a or "'" in a or '"' in a or "\\" in a for a in argv):
            sys.exit(f"bench: {argv} needs quoting for xargs")
        lines.append(" ".join([os.path.join(out, f"{i}.out")] + argv) + "\n")
    con.close()
    return "".join(lines)


def line_count(out):
    """The lines of all files in out."""
    n = 0
    for name in os.listdir(out):
        with open(os.path.join(out, name), "rb") as f:
            while chunk := f.read(1 << 16):
                n += chunk.count(b"\n")
    return n


def row(name, tool, configs, rows, seconds, per_row, rss):
    """Prints a line of the table."""
    print(f"{name:24} {tool:8} {configs:9d} {rows:10d} {seconds:8.2f} {configs / seconds:10.0f} "
          f"{rows / seconds:10.0f} {per_row:>6} {rss:7.1f}", flush=True)


def overhead(binary, tmp, env, name, floor=False):
    """Runs the sweep of PROGRAMS[name] and its xargs baseline REPEAT times
    each, in turns, prints the fastest of each, and returns the fastest
    seconds of sweep and of xargs, and the number of runs. With floor, it
    also times, for reference, xargs -P 2 running the program itself (no
    shell), its output to /dev/null: what launching the programs costs."""
    yaml, command = PROGRAMS[name]
    db, out = os.path.join(tmp, "overhead.db"), os.path.join(tmp, "out")
    lines, bare = os.path.join(tmp, "lines"), os.path.join(tmp, "lines-bare")
    walls = {"sweep": [], "xargs": [], "bare": []}
    cpus = {"sweep": [], "xargs": [], "bare": []}
    for k in range(REPEAT):
        seconds, rss = measure([binary, "run", "--db", db, "--jobs", "2", os.path.join(BENCH, yaml)], db,
                               env=env, cpu=cpus["sweep"])
        walls["sweep"].append(seconds)
        if k == 0:
            configs, computed, stored = counts(db, False)
            if stored != computed:
                sys.exit(f"bench: {name}: sweep stored {stored} trace rows of {computed}")
            sweep_row = (configs, computed, f"{os.path.getsize(db) / stored:.0f}", rss)
            text = command_lines(db, command, out)
            with open(lines, "w") as f:
                f.write(text)
            with open(bare, "w") as f:  # the arguments alone: the program is xargs's command
                f.writelines(line.split(" ", 2)[2] + "\n" for line in text.splitlines())
        os.remove(db)

        os.mkdir(out)
        with open(lines) as f:
            seconds, rss = measure(["xargs", "-P", "2", "-L", "1", "sh", "-c", XARGS_SH, "sh"], None,
                                   env=env, cwd=BENCH, stdin=f, cpu=cpus["xargs"])
        walls["xargs"].append(seconds)
        if k == 0:
            files, written = len(os.listdir(out)), line_count(out)
            if files != configs:
                sys.exit(f"bench: {name}: xargs wrote {files} files for {configs} runs")
            xargs_row = (files, written, "-", rss)
        shutil.rmtree(out)

        if floor:
            with open(bare) as f:
                seconds, _ = measure(["xargs", "-P", "2", "-L", "1", command[0]], None,
                                     env=env, cwd=BENCH, stdin=f, cpu=cpus["bare"])
            walls["bare"].append(seconds)

    label = f"{name} x {configs} runs"
    row(label, "sweep", *sweep_row[:2], min(walls["sweep"]), *sweep_row[2:])
    row(label, "xargs", *xargs_row[:2], min(walls["xargs"]), *xargs_row[2:])
    tools = [("sweep", "sweep"), ("xargs", "xargs -P 2")]
    if floor:
        tools.append(("bare", "xargs -P 2 of the program itself, output to /dev/null"))
    for what, numbers in (("wall", walls), ("CPU (user + system, the programs' included)", cpus)):
        print(f"  {name}, {what} of each of {REPEAT} rounds: " + "; ".join(
            f"{desc} {' '.join(f'{x:.2f}' for x in numbers[tool])} s" for tool, desc in tools), flush=True)
    return min(walls["sweep"]), min(walls["xargs"]), configs


def early_stop(binary, tmp, env):
    """Runs bench/early_stop.yaml REPEAT times and returns the fastest wall
    seconds and the number of runs, after checking that each run was
    stopped as it diverged at step 5."""
    db = os.path.join(tmp, "early.db")
    walls = []
    for _ in range(REPEAT):
        seconds, rss = measure([binary, "run", "--db", db, "--jobs", "2", os.path.join(BENCH, "early_stop.yaml")], db, env=env)
        walls.append(seconds)
        con = sqlite3.connect(db)
        verdicts = con.execute("SELECT verdict, steps, count(*) FROM runs GROUP BY 1, 2").fetchall()
        con.close()
        os.remove(db)
        if len(verdicts) != 1 or verdicts[0][:2] != ("diverged", 6):
            sys.exit(f"bench: early stop: want every run diverged at its 6th row, got (verdict, steps, runs) {verdicts}")
    runs = verdicts[0][2]
    row(f"early stop x {runs} runs", "sweep", runs, runs * 6, min(walls), "-", rss)
    print(f"  early stop, wall of each of {REPEAT} rounds: {' '.join(f'{s:.3f}' for s in walls)} s; fastest: "
          f"{min(walls) * 1000 / runs:.1f} ms of wall a run, {min(walls) * 2000 / runs:.1f} ms of a worker's time "
          f"(--jobs 2), where the program would run 1,000 steps of 1 ms", flush=True)
    return min(walls), runs


# The views of the README, each asked SELECT count(*) by sweep query
# (issue 15: <= 0.3 s on W1, <= 1 s on W2).
VIEWS = ["trace", "verdict_counts", "safe_alpha", "theory", "mismatch", "first_overshoot", "divergence_onset",
         "sweep_overview", "trace_metrics", "failures", "boundary"]


def views(binary, db, label):
    """Times SELECT count(*) of every view of db through sweep query (its
    pure-Go SQLite, the command's start included) and through Python's
    sqlite3 (the system's SQLite, as any other client reads the file),
    prints them and returns the slowest of each as (seconds, view)."""
    ours, system = {}, {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    for view in VIEWS:
        seconds, _ = measure([binary, "query", "--db", db, "--format", "csv", f"SELECT count(*) FROM {view}"], db)
        ours[view] = seconds
        start = time.monotonic()
        con.execute(f"SELECT count(*) FROM {view}").fetchone()
        system[view] = time.monotonic() - start
    con.close()
    for name, times in (("sweep query", ours), (f"sqlite3 {sqlite3.sqlite_version}", system)):
        print(f"  {label} views, SELECT count(*) by {name}: " + ", ".join(f"{v} {t:.2f} s" for v, t in times.items()), flush=True)
    slowest = lambda times: (max(times.values()), max(times, key=times.get))
    return slowest(ours), slowest(system)


def resume_nothing(binary, db, yaml):
    """Runs yaml again into db, which holds every config of it: how long a
    resume with nothing left to run takes."""
    seconds, _ = measure([binary, "run", "--db", db, yaml], db)
    print(f"  {os.path.basename(yaml)} again, nothing to run: {seconds:.2f} s", flush=True)
    return seconds


def report_w2(binary, db, tmp, configs):
    """Runs sweep report on the database of W2, prints a row of the table
    and the figures, and returns its seconds, peak RSS and HTML size in MB,
    and whether the page passes the checks of a binned report in headless
    Chromium: TestReportInBrowserBinned, told the page by
    SWEEP_REPORT_PAGE (False where there is no Chromium to check it)."""
    html = os.path.join(tmp, "w2.html")
    seconds, rss = measure([binary, "report", "--db", db, "--out", html], db)
    size = os.path.getsize(html) / (1 << 20)
    print(f"{'W2 report':24} {'sweep':8} {configs:9d} {'-':>10} {seconds:8.2f} {configs / seconds:10.0f} "
          f"{'-':>10} {'-':>6} {rss:7.1f}", flush=True)
    test = subprocess.run(["go", "test", "./cmd/sweep", "-run", "^TestReportInBrowserBinned$", "-count=1", "-v"],
                          cwd=ROOT, env=dict(os.environ, SWEEP_REPORT_PAGE=html), capture_output=True, text=True)
    checked = test.returncode == 0 and "--- PASS: TestReportInBrowserBinned" in test.stdout
    verdict = "passes" if checked else "SKIPPED (no chromium)" if "--- SKIP" in test.stdout else "FAILS"
    print(f"  W2 report: {size:.1f} MB of HTML, peak RSS {rss:.1f} MB, {seconds:.2f} s; "
          f"in headless Chromium it {verdict}", flush=True)
    if not checked and verdict == "FAILS":
        print(test.stdout[-4000:] + test.stderr[-2000:], flush=True)
    os.remove(html)
    return dict(seconds=seconds, rss=rss, size=size, checked=checked)


def main():
    if sys.argv[1:2] == ["--count"]:
        print(*count(sys.argv[2], sys.argv[3] == "baseline"))
        return
    skip_w2 = "--skip-w2" in sys.argv
    tmp = tempfile.mkdtemp(prefix="sweep-bench-")
    binary = os.path.join(tmp, "sweep")
    subprocess.run(["go", "build", "-o", binary, "./cmd/sweep"], cwd=ROOT, check=True)
    for program in ("tiny", "slow"):
        subprocess.run(["go", "build", "-o", os.path.join(tmp, program), "./bench/programs/" + program], cwd=ROOT, check=True)
    env = dict(os.environ, PATH=os.pathsep.join([tmp, os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    # Python buffers its stdout into a pipe or a file unless told not to:
    # with PYTHONUNBUFFERED=1 in the caller's environment, gd.py makes two
    # writes a row, and sweep two reads (and wake-ups) a row.
    env.pop("PYTHONUNBUFFERED", None)

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
        if (name, tool) == ("W1 every row", "sweep"):  # before the reuse runs add a second sweep to it
            query_rss = query_table(binary, db, stored)
            w1_views = views(binary, db, "W1")
        if (name, tool) in reuse_of:
            os.rename(db, os.path.join(tmp, f"reuse-{i}.db"))
            reuse_of[(name, tool)] = (os.path.join(tmp, f"reuse-{i}.db"), yaml)
            continue
        if (name, tool) == ("W2 no trace", "sweep"):
            w2_report = report_w2(binary, db, tmp, configs)
            w2_views = views(binary, db, "W2")
            w2_resume = resume_nothing(binary, db, os.path.join(BENCH, yaml))
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

    tiny = overhead(binary, tmp, env, "tiny", floor=True)
    python = overhead(binary, tmp, env, "gd.py")
    early_s, early_runs = early_stop(binary, tmp, env)
    # A program's runs of a million rows, every row stored: memory as the
    # built-ins' (memory 8 x 1M rows), not as the traces' size (105 MB each).
    db = os.path.join(tmp, "program-memory.db")
    seconds, program_rss = measure([binary, "run", "--db", db, "--jobs", "2", os.path.join(BENCH, "program_memory.yaml")], db, env=env)
    configs, computed, _ = counts(db, False)
    stored = sqlite3.connect(db).execute("SELECT count(*) FROM trace").fetchone()[0]
    os.remove(db)
    if configs != 8 or computed != 8_000_000 or stored != 8_000_000:
        sys.exit(f"bench: program memory: want 8 runs of 1,000,000 stored rows, got {configs} runs, {computed} rows, {stored} stored")
    row("program 8 x 1M rows", "sweep", configs, computed, seconds, "-", program_rss)

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
        (f"tiny x {tiny[2]}: sweep time / xargs -P 2 time", tiny[0] / tiny[1], "<=", 1.2),
        (f"gd.py x {python[2]}: sweep time / xargs -P 2 time", python[0] / python[1], "<=", 1.1),
        ("early stop at step 5: ms of wall a run", early_s * 1000 / early_runs, "<", 50),
        ("memory, a program's 8 runs of 1M rows: peak RSS MB", program_rss, "<", 256),
        ("W1 query, every trace row, table: peak RSS MB", query_rss, "<", 100),
        (f"W1 slowest view count(*), sweep query ({w1_views[0][1]})", w1_views[0][0], "<=", 0.3),
        (f"W1 slowest view count(*), sqlite3 ({w1_views[1][1]})", w1_views[1][0], "<=", 0.3),
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
            ("report on W2: peak RSS MB", w2_report["rss"], "<", 300),
            ("report on W2: HTML MB", w2_report["size"], "<", 10),
            ("report on W2: passes in Chromium (1 yes)", int(w2_report["checked"]), ">=", 1),
            (f"W2 slowest view count(*), sweep query ({w2_views[0][1]})", w2_views[0][0], "<=", 1.0),
            (f"W2 slowest view count(*), sqlite3 ({w2_views[1][1]})", w2_views[1][0], "<=", 1.0),
            ("W2 again, nothing to run: s", w2_resume, "<", 1.0),
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
