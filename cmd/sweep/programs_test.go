package main

// End-to-end tests of method command (issue 14) through the real binary,
// as a user meets them: --jobs, Ctrl-C and SIGTERM, kill -9 and resume,
// zombies, and hostile programs. The programs are Python and sh scripts
// written into the test's directory. Every process a sweep starts inherits
// a marker in its environment, so that /proc tells apart what it left
// running from anything else on the machine.

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// markerVar is the environment variable that marks a test's processes.
const markerVar = "SWEEPTEST_MARKER" // not SWEEP_: sweep gives a program no SWEEP_ variable but its parameters

// markedSweep returns sweep run with args in dir, its environment marked
// with marker, its stdout and stderr captured.
func markedSweep(dir, marker string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := sweepCommand(dir, append([]string{"run"}, args...)...)
	cmd.Env = append(cmd.Env, markerVar+"="+marker)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// process is a live process as /proc shows it.
type process struct {
	pid   int
	state byte   // R, S, D, Z, ...
	argv  string // the command line, arguments separated by spaces
}

func (p process) String() string { return fmt.Sprintf("%d (%c) %s", p.pid, p.state, p.argv) }

// readProcess reads /proc/pid, or reports false when it is gone.
func readProcess(pid int) (process, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return process{}, false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return process{}, false
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	argv := strings.TrimSpace(string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	return process{pid: pid, state: stat[i+2], argv: argv}, true
}

// marked returns the processes, zombies aside, whose environment holds
// marker, but for the process except.
func marked(t *testing.T, marker string, except int) []process {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	want := []byte(markerVar + "=" + marker + "\x00")
	var found []process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == except {
			continue
		}
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil || !bytes.Contains(env, want) {
			continue // gone, not ours, or a zombie (whose environment reads empty)
		}
		if p, ok := readProcess(pid); ok && p.state != 'Z' {
			found = append(found, p)
		}
	}
	return found
}

// programs returns those of procs running the script path.
func programs(procs []process, path string) []process {
	return slices.DeleteFunc(slices.Clone(procs), func(p process) bool { return !strings.Contains(p.argv, path) })
}

// waitUntil polls cond every 10 ms until it holds, and fails the test with
// what it waited for once timeout has passed.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// noneLeft waits up to 5 s for every marked process to end (a process
// SIGKILLed a moment ago may not have run to its end yet), and fails the
// test listing those that do not.
func noneLeft(t *testing.T, marker, when string) {
	t.Helper()
	var left []process
	deadline := time.Now().Add(5 * time.Second)
	for {
		if left = marked(t, marker, 0); len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, p := range left {
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
	t.Errorf("%s, %d processes are left running:\n%v", when, len(left), left)
}

// exitCode waits for cmd and returns its exit status (-1 for death by a
// signal), failing the test when it does not end within timeout.
func exitCode(t *testing.T, cmd *exec.Cmd, timeout time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &exit):
			return exit.ExitCode()
		}
		t.Fatal(err)
	case <-time.After(timeout):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v did not end within %v", cmd.Args[1:], timeout)
	}
	return 0
}

// queryInts runs query on the database at path, read-only, and returns the
// columns of its one row.
func queryInts(t *testing.T, path, query string, args ...any) []int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]int64, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if !rows.Next() {
		t.Fatalf("%s: no row", query)
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return vals
}

// summaryNumbers returns what a run's summary says it ran, reused and found
// stored before; a number it does not state is 0.
func summaryNumbers(t *testing.T, stdout string) (ran, reused, before int) {
	t.Helper()
	if m := regexp.MustCompile(`(?m)^sweep \S+: \d+ of \d+ configs stored; ran (\d+)(?:, reused (\d+))? in [^;]*(?:; (\d+) were stored before)?$`).FindStringSubmatch(stdout); m != nil {
		ran, _ = strconv.Atoi(m[1])
		reused, _ = strconv.Atoi(m[2])
		before, _ = strconv.Atoi(m[3])
		return ran, reused, before
	}
	t.Fatalf("the summary does not say what ran:\n%s", stdout)
	return
}

// writeFiles writes name: text pairs into dir, scripts (.py, .sh)
// executable.
func writeFiles(t *testing.T, dir string, files ...string) {
	t.Helper()
	for i := 0; i+1 < len(files); i += 2 {
		mode := os.FileMode(0o644)
		if strings.HasSuffix(files[i], ".py") || strings.HasSuffix(files[i], ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, files[i]), []byte(files[i+1]), mode); err != nil {
			t.Fatal(err)
		}
	}
}

// checkRuns checks the runs of the database at path: configs runs, none
// stored twice, each unfinished after steps rows with exactly its steps
// trace rows (none half-stored).
func checkRuns(t *testing.T, path string, configs, steps int64) {
	t.Helper()
	openIntact(t, path, "integrity_check").Close()
	got := queryInts(t, path, `SELECT count(*), count(DISTINCT config_index),
		coalesce(sum(verdict = 'unfinished' AND steps = ?), 0),
		coalesce(sum(steps != (SELECT count(*) FROM trace WHERE trace.run_id = runs.id)), 0) FROM runs`, steps)
	if got[0] != configs || got[1] != configs || got[2] != configs || got[3] != 0 {
		t.Errorf("%d runs of %d configs, %d unfinished after %d steps, %d without exactly their trace rows; want %d, %d, %d, 0",
			got[0], got[1], got[2], steps, got[3], configs, configs, configs)
	}
}

// jobsProgram holds one of three slots (flock) while it runs, and logs the
// slot, and the times it started and, still running, finished its work.
// Finding no free slot means more than three programs run at once.
const jobsProgram = `import fcntl, os, sys, time
start = time.monotonic()
for slot in range(3):
    f = open("slot%d" % slot, "w")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        break
    except BlockingIOError:
        f.close()
else:
    slot = -1
time.sleep(0.8)
with open("jobs.log", "a") as log:
    log.write("%d %.6f %.6f\n" % (slot, start, time.monotonic()))
print('{"error": 0}', flush=True)
time.sleep(10)
`

// TestProgramJobs runs a sweep of nine programs of a second at --jobs 3:
// never more than three at once, at least two at some moment, each run
// once and all stored.
func TestProgramJobs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs programs of a second")
	}
	dir := t.TempDir()
	writeFiles(t, dir, "jobs.py", jobsProgram, "jobs.yaml", `name: jobs
method: command
command: [python3, jobs.py, "{alpha}"]
rate: alpha
tolerance: 0.5
grid:
  alpha: [1, 2, 3, 4, 5, 6, 7, 8, 9]
`)
	cmd, stdout, stderr := markedSweep(dir, dir, "--db", "j.db", "--jobs", "3", "jobs.yaml")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, cmd, 60*time.Second); code != 0 {
		t.Fatalf("exit status %d\n%s%s", code, stdout, stderr)
	}
	if ran, _, _ := summaryNumbers(t, stdout.String()); ran != 9 {
		t.Errorf("ran %d, want 9", ran)
	}
	if got := queryInts(t, filepath.Join(dir, "j.db"), "SELECT count(*), sum(verdict = 'converged') FROM runs"); got[0] != 9 || got[1] != 9 {
		t.Errorf("%d runs stored, %d converged; want 9, 9", got[0], got[1])
	}
	log, err := os.ReadFile(filepath.Join(dir, "jobs.log"))
	if err != nil {
		t.Fatal(err)
	}
	type span struct{ start, end float64 }
	var spans []span
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		var slot int
		var s span
		if _, err := fmt.Sscanf(line, "%d %f %f", &slot, &s.start, &s.end); err != nil {
			t.Fatalf("jobs.log: %q: %v", line, err)
		}
		if slot < 0 {
			t.Errorf("a program started while three others ran")
		}
		spans = append(spans, s)
	}
	if len(spans) != 9 {
		t.Fatalf("%d programs ran, want 9:\n%s", len(spans), log)
	}
	// The most spans that hold one moment (each is within its program's
	// life, so programs overlapped at least as much).
	most := 0
	for _, a := range spans {
		n := 0
		for _, b := range spans {
			if b.start <= a.start && a.start < b.end {
				n++
			}
		}
		most = max(most, n)
	}
	t.Logf("at most %d programs worked at once", most)
	if most < 2 || most > 3 {
		t.Errorf("at most %d programs worked at once, want 2 or 3 at --jobs 3", most)
	}
	noneLeft(t, dir, "after the sweep")
}

// slowProgram forks a sleep that outlives it unless its process group is
// killed, then prints a row every 0.1 s: five rows, the last of which
// decides the run (unfinished, at iterations: 5).
const slowProgram = `import subprocess, sys, time
subprocess.Popen(["sleep", "300"])
for i in range(int(sys.argv[2])):
    print('{"error": 1, "weight": %d}' % i, flush=True)
    time.sleep(0.1)
time.sleep(300)
`

const slowProgramSweep = `name: slow
method: command
command: [python3, slow.py, "{alpha}", "{iterations}"]
rate: alpha
iterations: 5
tolerance: 1e-6
divergence: 1e6
grid:
  alpha: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
`

// startSlowPrograms starts the slow sweep at --jobs 2 and returns once it
// has stored two runs and two programs are running, each with its child.
func startSlowPrograms(t *testing.T, dir, marker string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	writeFiles(t, dir, "slow.py", slowProgram, "slow.yaml", slowProgramSweep)
	cmd, stdout, stderr := markedSweep(dir, marker, "--db", "s.db", "--jobs", "2", "slow.yaml")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 30*time.Second, "two runs stored (each is committed once it is decided) and two programs running with their children", func() bool {
		if storedRuns(t, filepath.Join(dir, "s.db")) < 2 {
			return false
		}
		procs := marked(t, marker, cmd.Process.Pid)
		return len(programs(procs, "slow.py")) == 2 && len(programs(procs, "sleep 300")) >= 2
	})
	return cmd, stdout, stderr
}

// TestProgramSignals sends SIGINT and SIGTERM to a sweep of slow programs
// that each fork a child: it exits 130 or 143 having stored the runs that
// finished, whole, and left no program or child running; run again, it
// runs exactly the rest.
func TestProgramSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("runs programs of a second")
	}
	for _, c := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(c.sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "s.db")
			cmd, stdout, stderr := startSlowPrograms(t, dir, dir)
			cmd.Process.Signal(c.sig)
			if code := exitCode(t, cmd, 20*time.Second); code != c.want {
				t.Fatalf("exit status %d after %v, want %d\n%s%s", code, c.sig, c.want, stdout, stderr)
			}
			noneLeft(t, dir, "after "+c.sig.String())
			m := regexp.MustCompile(`(?m)^sweep: error: interrupted: (\d+) of 10 configs stored$`).FindStringSubmatch(stderr.String())
			if m == nil {
				t.Fatalf("stderr does not say how many runs are stored:\n%s", stderr)
			}
			stored, _ := strconv.Atoi(m[1])
			if stored < 2 || stored >= 10 {
				t.Fatalf("%d runs stored after %v; the sweep had stored 2 before it", stored, c.sig)
			}
			checkRuns(t, db, int64(stored), 5)
			if got := queryInts(t, db, "SELECT count(*) FROM sweeps WHERE status = 'interrupted'"); got[0] != 1 {
				t.Errorf("the sweep is not interrupted")
			}

			again, stdout, stderr := markedSweep(dir, dir, "--db", "s.db", "--jobs", "2", "slow.yaml")
			if err := again.Run(); err != nil {
				t.Fatalf("run again: %v\n%s%s", err, stdout, stderr)
			}
			if ran, reused, before := summaryNumbers(t, stdout.String()); ran != 10-stored || reused != 0 || before != stored {
				t.Errorf("run again: ran %d, reused %d, %d stored before; want %d, 0, %d", ran, reused, before, 10-stored, stored)
			}
			checkRuns(t, db, 10, 5)
			noneLeft(t, dir, "after the second run")
		})
	}
}

// TestProgramKilled kills a sweep of slow programs with SIGKILL: every
// program it started, and every process those started, ends; the database
// opens intact with every run it stored whole; and the next run stores
// exactly the missing configs, none twice.
func TestProgramKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs programs of a second")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	cmd, _, _ := startSlowPrograms(t, dir, dir)
	before := marked(t, dir, cmd.Process.Pid)
	t.Logf("running at the kill: %v", before)
	cmd.Process.Kill()
	cmd.Wait()
	noneLeft(t, dir, "after kill -9")

	openIntact(t, db, "integrity_check").Close()
	stored := int64(storedRuns(t, db))
	if stored < 2 || stored >= 10 {
		t.Fatalf("%d runs stored after kill -9; the sweep had stored 2 before it", stored)
	}
	checkRuns(t, db, stored, 5)

	again, stdout, stderr := markedSweep(dir, dir, "--db", "s.db", "--jobs", "2", "slow.yaml")
	if err := again.Run(); err != nil {
		t.Fatalf("resume: %v\n%s%s", err, stdout, stderr)
	}
	if ran, reused, before := summaryNumbers(t, stdout.String()); int64(ran) != 10-stored || reused != 0 || int64(before) != stored {
		t.Errorf("resume: ran %d, reused %d, %d stored before; want %d, 0, %d", ran, reused, before, 10-stored, stored)
	}
	checkRuns(t, db, 10, 5)
	if got := queryInts(t, db, "SELECT count(*), sum(status = 'done') FROM sweeps"); got[0] != 1 || got[1] != 1 {
		t.Errorf("%d sweeps, %d done; want the one, done", got[0], got[1])
	}
	noneLeft(t, dir, "after the resume")
}

// quickProgram ends at once: an odd alpha prints a row and exits, leaving
// a sleep behind in its group; an even one prints a row that converges and
// waits to be stopped.
const quickProgram = `#!/bin/sh
sleep 30 &
if [ $(( ${1%.*} % 2 )) = 1 ]; then
	echo '{"error": 1}'
	exit 0
fi
echo '{"error": 0}'
exec sleep 30
`

// TestProgramNoZombies watches the children of a sweep of 400 programs
// that end at once, at --jobs 4: no more than four at a time (besides the
// guard of kill -9), and none left a zombie for long (each is reaped as it
// ends); nothing is left running after.
func TestProgramNoZombies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 400 programs")
	}
	dir := t.TempDir()
	writeFiles(t, dir, "quick.sh", quickProgram, "quick.yaml", `name: quick
method: command
command: [./quick.sh, "{alpha}"]
rate: alpha
iterations: 5
tolerance: 0.5
grid:
  alpha: {from: 1, to: 400, step: 1}
`)
	cmd, stdout, stderr := markedSweep(dir, dir, "--db", "q.db", "--jobs", "4", "quick.yaml")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var err error
	go func() {
		err = cmd.Wait()
		close(done)
	}()
	timeout := time.After(60 * time.Second)
	var (
		samples, busy, most int
		zombie              = map[int]time.Time{} // when each zombie child was first seen
		longest             time.Duration
	)
	pid := cmd.Process.Pid
watch:
	for {
		select {
		case <-done:
			break watch
		case <-timeout:
			cmd.Process.Kill()
			t.Fatalf("the sweep did not end within 60s")
		default:
		}
		children := childrenOf(pid)
		samples++
		if len(children) > 0 {
			busy++
		}
		programs := 0
		for _, c := range children {
			p, ok := readProcess(c)
			if !ok || strings.HasPrefix(p.argv, "sweep-guard ") {
				continue // the guard of kill -9 (package command) runs as long as sweep
			}
			programs++
			if p.state == 'Z' {
				if first, seen := zombie[c]; seen {
					longest = max(longest, time.Since(first))
				} else {
					zombie[c] = time.Now()
				}
			}
		}
		most = max(most, programs)
		time.Sleep(time.Millisecond)
	}
	if err != nil {
		t.Fatalf("%v\n%s%s", err, stdout, stderr)
	}
	t.Logf("%d samples, %d with children; at most %d children; %d zombies seen, the longest for %v", samples, busy, most, len(zombie), longest)
	if busy < 20 {
		t.Errorf("only %d of %d samples saw a program running", busy, samples)
	}
	if most > 4 {
		t.Errorf("%d children at once at --jobs 4", most)
	}
	if longest > time.Second {
		t.Errorf("a zombie child was left unreaped for %v", longest)
	}
	got := queryInts(t, filepath.Join(dir, "q.db"), "SELECT count(*), sum(verdict = 'converged'), sum(verdict = 'unfinished' AND steps = 1) FROM runs")
	if got[0] != 400 || got[1] != 200 || got[2] != 200 {
		t.Errorf("%d runs, %d converged, %d unfinished after a row; want 400, 200, 200", got[0], got[1], got[2])
	}
	noneLeft(t, dir, "after the sweep")
}

// childrenOf returns the children of the process pid, from every thread's
// children list.
func childrenOf(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var pids []int
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(field); err == nil {
				pids = append(pids, c)
			}
		}
	}
	return pids
}

// hostileProgram misbehaves as its first argument says.
const hostileProgram = `import os, signal, sys, time
kind = int(float(sys.argv[1]))
out = sys.stdout.buffer
if kind == 1:  # log lines forever, the way yes prints them: a gigabyte and more
    os.execvp("yes", ["yes", "a log line, not a trace row"])
elif kind == 2:  # one endless line
    chunk = b"x" * 65536
    while True:
        out.write(chunk)
elif kind == 3:  # binary garbage
    out.write(bytes(range(256)) * 4096)
elif kind == 4:  # nothing at all
    pass
elif kind == 5:  # an error, said on stderr
    sys.stderr.write("train.py: CUDA out of memory\n")
    sys.exit(3)
elif kind == 6:  # killed by a signal sweep did not send
    os.kill(os.getpid(), signal.SIGUSR1)
elif kind == 7:  # a gigabyte on stderr, then an error
    line = b"e" * 1023 + b"\n"
    block = line * 1024
    for _ in range(1024):
        sys.stderr.buffer.write(block)
    sys.stderr.write("last line\n")
    sys.exit(4)
elif kind == 8:  # well behaved
    print('{"error": 0}')
elif kind == 9:  # runs past timeout:
    time.sleep(600)
`

// TestProgramHostile runs programs that misbehave in every way through
// sweep run: each run is stored failed, with the reason it failed in the
// failures view, and sweep's peak RSS stays small.
func TestProgramHostile(t *testing.T) {
	if os.Getenv("SWEEP_MEASURE_RSS") == "1" {
		measureRSS(t)
		return
	}
	if testing.Short() {
		t.Skip("pipes gigabytes")
	}
	dir := t.TempDir()
	writeFiles(t, dir, "hostile.py", hostileProgram, "hostile.yaml", `name: hostile
method: command
command: [python3, hostile.py, "{kind}"]
rate: kind
iterations: 10
tolerance: 0.5
timeout: 60s
grid:
  kind: [1, 2, 3, 4, 5, 6, 7, 8]
`, "timeout.yaml", `name: timeout
method: command
command: [python3, hostile.py, "{kind}"]
rate: kind
iterations: 10
timeout: 1s
grid:
  kind: [9]
`)
	rss := peakRSS(t, dir, "TestProgramHostile", "run", "--db", "h.db", "--jobs", "2", "hostile.yaml")
	t.Logf("peak RSS %.1f MB", float64(rss)/(1<<20))
	if rss >= 100<<20 {
		t.Errorf("peak RSS %.1f MB, want under 100 MB", float64(rss)/(1<<20))
	}
	cmd, stdout, stderr := markedSweep(dir, dir, "--db", "h.db", "timeout.yaml")
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("timeout.yaml: %v\n%s%s", err, stdout, stderr)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("a run with timeout: 1s took %v", took)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "h.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		name   string
		kind   int
		reason string
		stderr string
	}{
		{"a gigabyte of log lines", 1, "protocol: more than 1 MiB of output that is not trace rows", ""},
		{"one endless line", 2, "protocol: line 1 is longer than 65536 bytes", ""},
		{"binary garbage", 3, "protocol: line 1, column 1: NUL byte: stdout must be text, one trace row or log line per line", ""},
		{"nothing", 4, "no trace rows", ""},
		{"exit 3", 5, "exit status 3", "train.py: CUDA out of memory"},
		{"a signal", 6, "signal: user defined signal 1", ""},
		{"a gigabyte on stderr", 7, "exit status 4", strings.Repeat(strings.Repeat("e", 1023)+"\n", 3) + "last line"},
		{"timeout", 9, "timeout after 1s", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var verdict, reason, errText string
			var steps int
			err := db.QueryRow(`SELECT runs.verdict, runs.steps, coalesce(f.reason, ''), coalesce(f.stderr, '') FROM runs LEFT JOIN failures f ON f.run_id = runs.id
				WHERE runs.alpha = ?`, c.kind).Scan(&verdict, &steps, &reason, &errText)
			if err != nil {
				t.Fatal(err)
			}
			if verdict != "failed" || steps != 0 || reason != c.reason {
				t.Errorf("%s after %d steps, reason %q; want failed after 0, %q", verdict, steps, reason, c.reason)
			}
			if c.kind == 7 {
				// The tail kept: at most 4 KiB, whole lines.
				if len(errText) > 4096 || !strings.HasSuffix(errText, c.stderr) || strings.Trim(strings.TrimSuffix(errText, "last line"), "e\n") != "" {
					t.Errorf("stderr kept: %d bytes ending %q", len(errText), errText[max(0, len(errText)-40):])
				}
			} else if brokenPipe := strings.Contains(errText, "Broken pipe") || strings.HasPrefix(errText, "Traceback (most recent call last):"); errText != c.stderr && !(c.kind <= 3 && brokenPipe) {
				// A program sweep stops (kinds 1 to 3) may write to the
				// closed pipe before its SIGTERM arrives, and say so: yes,
				// or Python's traceback of a BrokenPipeError, which the
				// SIGTERM may cut short after its first lines (seen once in
				// CI: the traceback's first two lines only).
				t.Errorf("stderr %q, want %q", errText, c.stderr)
			}
		})
	}
	var good string
	db.QueryRow("SELECT verdict FROM runs WHERE alpha = 8").Scan(&good)
	if good != "converged" {
		t.Errorf("the well-behaved program's run is %q, want converged", good)
	}
	noneLeft(t, dir, "after the sweeps")
}

// peakRSS runs sweep with args in dir from a fresh, small copy of the test
// binary running the test named test (which must call measureRSS when
// SWEEP_MEASURE_RSS is set), and returns its peak RSS in bytes.
func peakRSS(t *testing.T, dir, test string, args ...string) int64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^" + test + "$", "--"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GOMEMLIMIT=")
	}), "SWEEP_MEASURE_RSS=1", markerVar+"="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sweep %v: %v\n%s", args, err, out)
	}
	m := regexp.MustCompile(`peak RSS (\d+) KiB`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no peak RSS reported:\n%s", out)
	}
	kib, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kib << 10
}

// TestProgramReuseFewAxes: a program's sweep of one axis, renamed, reuses
// every run, as one of four axes does (command_run_identity.txtar).
func TestProgramReuseFewAxes(t *testing.T) {
	dir := t.TempDir()
	sweep := func(name string) string {
		return "name: " + name + `
method: command
command: [python3, one.py, "{alpha}"]
rate: alpha
grid:
  alpha: [1, 2, 3]
`
	}
	writeFiles(t, dir, "one.py", "print('{\"error\": 0}')\n", "a.yaml", sweep("a"), "b.yaml", sweep("b"))
	for _, c := range []struct {
		file        string
		ran, reused int
	}{{"a.yaml", 3, 0}, {"b.yaml", 0, 3}} {
		cmd, stdout, stderr := markedSweep(dir, dir, "--db", "r.db", c.file)
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v\n%s%s", c.file, err, stdout, stderr)
		}
		if ran, reused, _ := summaryNumbers(t, stdout.String()); ran != c.ran || reused != c.reused {
			t.Errorf("%s: ran %d, reused %d; want %d, %d", c.file, ran, reused, c.ran, c.reused)
		}
	}
}
