//go:build linux

package command

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

var testLimits = grid.Limits{Iterations: 100, Tolerance: 1e-10, Divergence: 1e6}

// slow is a generous bound for what takes milliseconds on an idle machine,
// so that a loaded one does not fail the tests.
const slow = 10 * time.Second

// helperProgram is this test binary run as the program of script (see
// helper_test.go).
// The script's braces are escaped.
func helperProgram(t *testing.T, script ...string) Program {
	argv := []string{exe}
	for _, s := range script {
		argv = append(argv, braces(s))
	}
	return Program{Argv: argv, Dir: t.TempDir(), Grace: 300 * time.Millisecond}
}

// checkNoZombies checks that no child of this process is a zombie: that
// Run reaped its program. Only tests that run alone can call it.
func checkNoZombies(t *testing.T) {
	t.Helper()
	if z := zombieChildren(); len(z) > 0 {
		t.Errorf("zombie children %v after Run", z)
	}
}

// result is one Run with the rows it emitted, copied, and its chunks' sizes.
type result struct {
	Outcome
	rows    []Row
	chunks  []int
	elapsed time.Duration
}

func runIt(t *testing.T, ctx context.Context, p Program, params []Param, lim grid.Limits, every int) (result, error) {
	t.Helper()
	var r result
	start := time.Now()
	o, err := p.Run(ctx, params, lim, every, func(rows []Row) {
		r.chunks = append(r.chunks, len(rows))
		for _, row := range rows {
			row.Metrics = slices.Clone(row.Metrics)
			r.rows = append(r.rows, row)
		}
	})
	r.Outcome, r.elapsed = o, time.Since(start)
	return r, err
}

func mustRun(t *testing.T, p Program, lim grid.Limits, every int, params ...Param) result {
	t.Helper()
	r, err := runIt(t, context.Background(), p, params, lim, every)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if r.elapsed > slow {
		t.Errorf("Run took %v", r.elapsed)
	}
	return r
}

func checkOutcome(t *testing.T, o Outcome, v runner.Verdict, steps int, reason string) {
	t.Helper()
	if o.Verdict != v || o.Steps != steps || o.Reason != reason {
		t.Errorf("outcome %v after %d rows, reason %q; want %v after %d, reason %q (stderr %q)",
			o.Verdict, o.Steps, o.Reason, v, steps, reason, o.Stderr)
	}
}

// sameRow compares a row with the built-in loop's, bit for bit, but for
// NaNs: text keeps no NaN's sign or payload, so any NaN is the same as any.
func sameRow(got Row, want runner.Row) bool {
	eq := func(a, b float64) bool { return same(a, b) || math.IsNaN(a) && math.IsNaN(b) }
	return got.Step == want.Step && eq(got.Weight, want.Weight) && eq(got.Pred, want.Pred) &&
		eq(got.Error, want.Error) && eq(got.Delta, want.Delta) && eq(got.WeightDelta, want.WeightDelta)
}

func gdConfig(alpha, input, goal, weight float64, lim grid.Limits) grid.Config {
	return grid.Config{Method: grid.GradientDescent, Rate: alpha, Input: input, Goal: goal, Weight: weight, Limits: lim}
}

func gdScript(c grid.Config, format string) string {
	return fmt.Sprintf("gd:%v,%v,%v,%v,%s", c.Rate, c.Input, c.Goal, c.Weight, format)
}

// A program computing the built-in rule gets the built-in's verdict at the
// built-in's deciding row, with the same rows bit for bit; stalled comes one
// row later. The program prints rows forever: the verdict stops it.
func TestRunMatchesBuiltIn(t *testing.T) {
	for _, tt := range []struct {
		name    string
		c       grid.Config
		format  string
		verdict runner.Verdict
	}{
		{"converged", gdConfig(0.1, 2, 0.8, 0.5, grid.Limits{Iterations: 1000, Tolerance: 1e-10, Divergence: 1e6}), "json", runner.Converged},
		{"diverged", gdConfig(1, 2, 0.8, 0.5, testLimits), "json", runner.Diverged},
		{"diverged to inf", gdConfig(1e150, 2, 0.8, 0.5, grid.Limits{Iterations: 100, Tolerance: 1e-10, Divergence: math.Inf(1)}), "json", runner.Diverged},
		{"oscillating", gdConfig(2, 1, 0.8, 0.5, testLimits), "json", runner.Oscillating},
		{"unfinished", gdConfig(0.01, 0.5, 0.8, 0.5, grid.Limits{Iterations: 50, Tolerance: 1e-10, Divergence: 1e6}), "json", runner.Unfinished},
		{"printout, the published trace", gdConfig(1, 0.5, 0.8, 0.5, grid.Limits{Iterations: 20, Tolerance: 1e-10, Divergence: 1e6}), "print", runner.Unfinished},
		{"printout, oscillating", gdConfig(2, 1, 0.8, 0.5, testLimits), "print", runner.Oscillating},
		{"stalled", gdConfig(0.1, 0, 0.8, 0.5, testLimits), "json", runner.Stalled},
		{"stalled, update underflows", gdConfig(1e-300, 0.5, 0.8, 0.5, testLimits), "print", runner.Stalled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want, builtin := runner.Run(tt.c, nil)
			if builtin != tt.verdict {
				t.Fatalf("the built-in loop says %v, the test expects %v", builtin, tt.verdict)
			}
			r := mustRun(t, helperProgram(t, gdScript(tt.c, tt.format)), tt.c.Limits, 1)
			steps := len(want)
			if tt.verdict == runner.Stalled {
				steps++ // the row that shows the weight unchanged
			}
			checkOutcome(t, r.Outcome, tt.verdict, steps, "")
			if len(r.rows) != steps {
				t.Fatalf("%d rows emitted, want %d", len(r.rows), steps)
			}
			for i, w := range want {
				if !sameRow(r.rows[i], w) {
					t.Errorf("row %d = %+v\nbuilt-in %+v", i, r.rows[i], w)
				}
			}
			last := r.rows[len(r.rows)-1]
			if tt.verdict == runner.Stalled {
				next := want[len(want)-1]
				next.Step++
				if !sameRow(last, next) {
					t.Errorf("stalled row = %+v, want the built-in's last row again, one step on: %+v", last, next)
				}
			}
			if !sameRow(r.Last, runner.Row{Step: last.Step, Weight: last.Weight, Pred: last.Pred, Error: last.Error, Delta: last.Delta, WeightDelta: last.WeightDelta}) {
				t.Errorf("Last = %+v, want the last row emitted %+v", r.Last, last)
			}
			if tt.format == "json" {
				if want := []Metric{{"alpha", tt.c.Rate}}; !slices.Equal(r.Last.Metrics, want) || !slices.Equal(last.Metrics, want) {
					t.Errorf("metrics %v (Last %v), want %v", last.Metrics, r.Last.Metrics, want)
				}
			}
		})
	}
}

// Without a weight, a run that oscillates can only run out of iterations.
func TestRunWithoutWeight(t *testing.T) {
	t.Parallel()
	c := gdConfig(2, 1, 0.8, 0.5, testLimits)
	r := mustRun(t, helperProgram(t, gdScript(c, "noweight")), c.Limits, 0)
	checkOutcome(t, r.Outcome, runner.Unfinished, c.Limits.Iterations, "")
	if got, want := r.Last.Has, HasPred; got != want {
		t.Errorf("Last.Has = %04b, want %04b", got, want)
	}
	if !math.IsNaN(r.Last.Weight) {
		t.Errorf("Last.Weight = %v, want NaN", r.Last.Weight)
	}
}

// emit gets exactly the rows runner.RunKeeping keeps, in chunks of at most
// 4096, the deciding row last.
func TestRunKeepsRows(t *testing.T) {
	c := gdConfig(0.001, 0.5, 0.8, 0.5, grid.Limits{Iterations: 10001, Tolerance: 1e-10, Divergence: 1e6})
	for _, every := range []int{1, 0, 3, 4096, 10000, 20000} {
		t.Run(fmt.Sprint("every ", every), func(t *testing.T) {
			t.Parallel()
			want, steps, v := runner.RunKeeping(c, every, nil)
			r := mustRun(t, helperProgram(t, gdScript(c, "json")), c.Limits, every)
			checkOutcome(t, r.Outcome, v, steps, "")
			if len(r.rows) != len(want) {
				t.Fatalf("%d rows kept, want %d", len(r.rows), len(want))
			}
			for i, w := range want {
				if !sameRow(r.rows[i], w) {
					t.Fatalf("kept row %d = %+v\nbuilt-in %+v", i, r.rows[i], w)
				}
				if m := r.rows[i].Metrics; len(m) != 1 || m[0] != (Metric{"alpha", 0.001}) {
					t.Fatalf("kept row %d metrics %v", i, m)
				}
			}
			for i, n := range r.chunks {
				if n < 1 || n > 4096 {
					t.Errorf("chunk %d has %d rows", i, n)
				}
			}
			if every == 1 && !slices.Equal(r.chunks, []int{4096, 4096, 1809}) {
				t.Errorf("chunks %v, want [4096 4096 1809]", r.chunks)
			}
		})
	}
}

// Log lines are skipped (they count as lines, not rows); metrics keep
// their order; a run that exits 0 without a verdict is unfinished at its
// last row, which is emitted whatever every says.
func TestRunLogLinesAndMetrics(t *testing.T) {
	t.Parallel()
	p := helperProgram(t,
		"out:starting", `out:{"error": 1, "b": 2, "a": 3}`, "out:", "out:epoch 2",
		`out:{"a": 5, "error": 0.5, "c": NaN, "step": 1}`, `outq:"Error:0.25 Weight:1 "`, "exit:0")
	r := mustRun(t, p, testLimits, 0)
	checkOutcome(t, r.Outcome, runner.Unfinished, 3, "")
	if len(r.rows) != 1 || r.rows[0].Step != 2 || r.rows[0].Error != 0.25 || r.rows[0].Weight != 1 {
		t.Fatalf("rows %+v, want the last row only", r.rows)
	}
	p.Argv = p.Argv[:len(p.Argv)-2] // the same without the last row
	p.Argv = append(p.Argv, "exit:0")
	r = mustRun(t, p, testLimits, 1)
	checkOutcome(t, r.Outcome, runner.Unfinished, 2, "")
	if len(r.rows) != 2 {
		t.Fatalf("%d rows, want 2", len(r.rows))
	}
	if got, want := r.rows[0].Metrics, []Metric{{"b", 2}, {"a", 3}}; !slices.Equal(got, want) {
		t.Errorf("row 0 metrics %v, want %v", got, want)
	}
	m := r.Last.Metrics
	if len(m) != 2 || m[0] != (Metric{"a", 5}) || m[1].Name != "c" || !math.IsNaN(m[1].Value) {
		t.Errorf("Last.Metrics %v, want [{a 5} {c NaN}]", m)
	}
}

// A run is decided at its deciding row: Run stops the program at once
// (here it would sleep 30s), and leaves nothing of its process group.
func TestRunStopsAtVerdict(t *testing.T) {
	t.Parallel()
	pids := pidFile(t)
	script := []string{"pid:" + pids}
	for range 5 {
		script = append(script, `out:{"error": 1}`)
	}
	script = append(script, `out:{"error": 1e9}`, `out:{"error": 1}`, "sleep:30s")
	r := mustRun(t, helperProgram(t, script...), testLimits, 1)
	checkOutcome(t, r.Outcome, runner.Diverged, 6, "")
	if r.Last.Error != 1e9 || r.Last.Step != 5 {
		t.Errorf("Last = %+v, want row 5 with error 1e9", r.Last)
	}
	_, pgid := readPids(t, pids)
	checkGroupGone(t, pgid, true)
}

// A program that ignores SIGTERM gets SIGKILL after the grace period.
func TestRunKillsAfterGrace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pids, terms := filepath.Join(dir, "pid"), filepath.Join(dir, "terms")
	p := helperProgram(t, "pid:"+pids, "ignoreterm:"+terms, `out:{"error": 1e9}`, "sleep:30s")
	p.Grace = 400 * time.Millisecond
	r := mustRun(t, p, testLimits, 1)
	checkOutcome(t, r.Outcome, runner.Diverged, 1, "")
	if r.elapsed < p.Grace {
		t.Errorf("Run returned after %v, before the grace period of %v", r.elapsed, p.Grace)
	}
	if b, _ := os.ReadFile(terms); string(b) != "TERM\n" {
		t.Errorf("the program saw %q, want one SIGTERM", b)
	}
	_, pgid := readPids(t, pids)
	checkGroupGone(t, pgid, true)
}

// A child that keeps stdout open does not keep Run waiting: it is in the
// program's group, and is killed with it, both when a verdict stops the
// program and when the program exits by itself.
func TestRunKillsChildren(t *testing.T) {
	for _, tt := range []struct {
		name    string
		script  []string
		verdict runner.Verdict
	}{
		{"verdict", []string{`out:{"error": 1e9}`, "sleep:30s"}, runner.Diverged},
		{"exit", []string{`out:{"error": 1}`, "exit:0"}, runner.Unfinished},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pids := pidFile(t)
			r := mustRun(t, helperProgram(t, append([]string{"child:" + pids}, tt.script...)...), testLimits, 1)
			checkOutcome(t, r.Outcome, tt.verdict, 1, "")
			child, pgid := readPids(t, pids)
			if !eventually(func() bool { return !running(child) }) {
				t.Errorf("the program's child %d still runs", child)
			}
			checkGroupGone(t, pgid, false)
		})
	}
}

// A child that left the group (setsid) and holds stdout and stderr open
// cannot be killed with the group, but Run returns soon after the program
// exits all the same.
func TestRunDaemonHoldingPipes(t *testing.T) {
	t.Parallel()
	pids := pidFile(t)
	r := mustRun(t, helperProgram(t, "daemon:"+pids, `out:{"error": 1}`, "err:bye", "exit:0"), testLimits, 1)
	daemon, _ := readPids(t, pids)
	defer syscall.Kill(daemon, syscall.SIGKILL)
	checkOutcome(t, r.Outcome, runner.Unfinished, 1, "")
	if r.Stderr != "bye" {
		t.Errorf("Stderr = %q, want bye", r.Stderr)
	}
}

func TestRunTimeout(t *testing.T) {
	t.Parallel()
	pids := pidFile(t)
	p := helperProgram(t, "pid:"+pids, `out:{"error": 1}`, "err:working", "sleep:30s")
	p.Timeout = 300 * time.Millisecond
	r := mustRun(t, p, testLimits, 1)
	checkOutcome(t, r.Outcome, runner.Failed, 1, "timeout after 300ms")
	if r.Stderr != "working" || r.Last.Error != 1 || len(r.rows) != 1 {
		t.Errorf("stderr %q, last %+v, rows %d: want working, the one row", r.Stderr, r.Last, len(r.rows))
	}
	if r.elapsed < p.Timeout {
		t.Errorf("Run returned after %v, before the timeout", r.elapsed)
	}
	_, pgid := readPids(t, pids)
	checkGroupGone(t, pgid, true)
}

// A program that fails keeps its reason and the end of its stderr; its
// rows so far are emitted, the last one last.
func TestRunFailures(t *testing.T) {
	sh := func(script string) []string { return []string{"/bin/sh", "-c", "ulimit -c 0; " + script} }
	for _, tt := range []struct {
		name   string
		argv   []string
		steps  int
		reason string
		stderr string
	}{
		{"exit status", []string{exe, `out:{"error": 1}`, "err:Traceback (most recent call last):", "err:ValueError: bad", "exit:3"}, 1, "exit status 3",
			"Traceback (most recent call last):\nValueError: bad"},
		{"segmentation fault", sh(`echo '{"error": 1}'; echo '{"error": 2}'; kill -SEGV $$`), 2, "signal: segmentation fault", ""},
		{"killed by someone else", sh(`echo '{"error": 1}'; kill -KILL $$`), 1, "signal: killed", ""},
		// SIGTERM while sweep goes on (its ctx is not canceled within a
		// second): the death is data, as any other.
		{"terminated by someone else", sh(`echo '{"error": 1}'; kill -TERM $$`), 1, "signal: terminated", ""},
		{"no rows", []string{exe, "out:hello", "exit:0"}, 0, "no trace rows", ""},
		{"nothing at all", []string{exe}, 0, "no trace rows", ""},
		{"nothing, exit status", []string{exe, "exit:4"}, 0, "exit status 4", ""},
		{"step mismatch", []string{exe, `out:{"error": 1, "step": 0}`, "out:log", `out:{"error": 1, "step": 5}`, "sleep:30s"}, 1,
			`protocol: line 3, column 14: "step" is 5, but this is row 1 of the trace (0-based)`, ""},
		{"not a number", []string{exe, `out:{"error": 1}`, `out:{"error": 1, "acc": "high"}`, "sleep:30s"}, 1,
			`protocol: line 2, column 21: the value of "acc" is a string, not a number`, ""},
		{"Error: in a log message", []string{exe, `out:Error: could not open data.csv`, "exit:1"}, 0,
			`protocol: line 1, column 8: the value of Error is not a number: "could"`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			argv := slices.Clone(tt.argv)
			for i := range argv {
				argv[i] = braces(argv[i])
			}
			r := mustRun(t, Program{Argv: argv, Dir: t.TempDir(), Grace: 300 * time.Millisecond}, testLimits, 1)
			checkOutcome(t, r.Outcome, runner.Failed, tt.steps, tt.reason)
			if r.Stderr != tt.stderr {
				t.Errorf("Stderr = %q, want %q", r.Stderr, tt.stderr)
			}
			if len(r.rows) != tt.steps {
				t.Errorf("%d rows emitted, want %d", len(r.rows), tt.steps)
			}
			if tt.steps > 0 && (r.Last.Step != tt.steps-1 || r.rows[len(r.rows)-1].Step != tt.steps-1) {
				t.Errorf("Last = %+v, want row %d", r.Last, tt.steps-1)
			}
		})
	}
}

// Hostile output fails the run, and costs bounded memory: these tests run
// one at a time, so the bytes this process allocates are Run's.
func TestRunHostileOutput(t *testing.T) {
	for _, tt := range []struct {
		name    string
		script  []string
		lim     grid.Limits
		verdict runner.Verdict
		steps   int
		reason  string
	}{
		{"endless line", []string{"longline"}, testLimits, runner.Failed, 0, "protocol: line 1 is longer than 65536 bytes"},
		{"a line of 65536 bytes is fine", []string{`outq:"` + strings.Repeat(" ", 65536-len(`{"error": 1}`)) + `{\"error\": 1}\n"`, "exit:0"}, testLimits, runner.Unfinished, 1, ""},
		{"a line of 65537 bytes is not", []string{`outq:"` + strings.Repeat(" ", 65537-len(`{"error": 1}`)) + `{\"error\": 1}\n"`, "exit:0"}, testLimits, runner.Failed, 0, "protocol: line 1 is longer than 65536 bytes"},
		{"NUL bytes", []string{`out:{"error": 1}`, `outq:"\x00\x01\x02\xff\n"`, "sleep:30s"}, testLimits, runner.Failed, 1,
			"protocol: line 2, column 1: NUL byte: stdout must be text, one trace row or log line per line"},
		{"invalid UTF-8", []string{`outq:"log \xff\xfe\n"`, "sleep:30s"}, testLimits, runner.Failed, 0,
			"protocol: line 1, column 5: invalid UTF-8: stdout must be text, one trace row or log line per line"},
		{"endless log", []string{`out:{"error": 1}`, "logflood"}, testLimits, runner.Failed, 1,
			"protocol: more than 1 MiB of output that is not trace rows"},
		{"rows forever", []string{`forever:{"error": 1, "weight": 0.5, "loss": 3}`}, grid.Limits{Iterations: 1, Tolerance: 0, Divergence: 2}, runner.Unfinished, 1, ""},
		{"rows forever, no weight", []string{`forever:{"error": 1, "loss": 3}`}, grid.Limits{Iterations: 20000, Tolerance: 0, Divergence: 2}, runner.Unfinished, 20000, ""},
		{"stderr flood", []string{"errflood:67108864", `out:{"error": 1}`, "exit:0"}, testLimits, runner.Unfinished, 1, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			r := mustRun(t, helperProgram(t, tt.script...), tt.lim, 0)
			runtime.ReadMemStats(&after)
			checkNoZombies(t)
			checkOutcome(t, r.Outcome, tt.verdict, tt.steps, tt.reason)
			if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
				t.Errorf("Run allocated %d MiB", n>>20)
			}
		})
	}
}

// A run keeps at most maxKept bytes of trace rows: rows of many metrics,
// every one kept, fail the run once they pass it, and rows not kept
// (every 0) cost nothing.
func TestRunKeptRowsBounded(t *testing.T) {
	var metrics strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&metrics, `, "metric_%d": 0.%016d`, i, i)
	}
	row := `{"error": 1` + metrics.String() + `}`
	p := helperProgram(t, "forever:"+row)
	lim := grid.Limits{Iterations: 1_000_000, Tolerance: 0, Divergence: 2}
	var emitted int
	o, err := p.Run(context.Background(), nil, lim, 1, func(rows []Row) { emitted += len(rows) })
	if err != nil {
		t.Fatal(err)
	}
	checkNoZombies(t)
	steps := maxKept/(len(row)+1) + 1 // the row that passes the bound fails the run
	checkOutcome(t, o, runner.Failed, steps, "protocol: more than 256 MiB of trace rows to store; keep fewer with trace: every:N")
	if emitted != steps {
		t.Errorf("%d rows emitted, want %d", emitted, steps)
	}
	// Not kept, the same rows run to the end of the budget.
	lim.Iterations = steps + 10
	o, err = p.Run(context.Background(), nil, lim, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkOutcome(t, o, runner.Unfinished, steps+10, "")
}

// stderr keeps its last 20 lines and 4 KiB, whichever is less, valid UTF-8.
func TestRunStderrTail(t *testing.T) {
	t.Parallel()
	r := mustRun(t, helperProgram(t, "errflood:1000000", `out:{"error": 1}`, "exit:0"), testLimits, 0)
	lines := strings.Split(r.Stderr, "\n")
	if len(lines) != 20 || !strings.HasPrefix(lines[19], "stderr line ") || len(r.Stderr) > 4096 {
		t.Fatalf("Stderr has %d lines, %d bytes, ends %q", len(lines), len(r.Stderr), lines[len(lines)-1])
	}
	// The lines are the last ones, consecutive, and the last is complete.
	var first, last int
	fmt.Sscanf(lines[0], "stderr line %d", &first)
	fmt.Sscanf(lines[19], "stderr line %d", &last)
	if last-first != 19 || last < 50000 {
		t.Errorf("lines %d to %d", first, last)
	}

	long := strings.Repeat("é", 3000) // 6000 bytes, one line
	r = mustRun(t, helperProgram(t, "err:first", "err:"+long, `outq:"{\"error\": 1}"`, "exit:0"), testLimits, 0)
	if len(r.Stderr) > 4096 || !strings.HasSuffix(r.Stderr, "éé") || strings.Contains(r.Stderr, "first") {
		t.Errorf("Stderr of one long line: %d bytes, starts %q", len(r.Stderr), r.Stderr[:10])
	}
	if !utf8Valid(r.Stderr) {
		t.Errorf("Stderr is not valid UTF-8")
	}
	r = mustRun(t, helperProgram(t, `err:bad \xff`, `outq:"{\"error\": 1}"`, "exit:0"), testLimits, 0)
	if r.Stderr != `bad \xff` {
		t.Errorf("Stderr = %q", r.Stderr)
	}
	r = mustRun(t, Program{Argv: []string{"/bin/sh", "-c", braces(`printf 'a\377\000b\n' >&2; echo '{"error": 1}'`)}}, testLimits, 0)
	if r.Stderr != "a\uFFFD\uFFFDb" {
		t.Errorf("Stderr = %q, want a\uFFFD\uFFFDb", r.Stderr)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

// Canceling ctx stops the program (even one that ignores SIGTERM), reaps
// it, and returns ctx's error.
func TestRunCanceled(t *testing.T) {
	for _, ignore := range []bool{false, true} {
		t.Run(fmt.Sprint("ignore TERM ", ignore), func(t *testing.T) {
			t.Parallel()
			pids := pidFile(t)
			script := []string{"pid:" + pids, `out:{"error": 1}`, "sleep:30s"}
			if ignore {
				script = append([]string{"ignoreterm:" + pidFile(t)}, script...)
			}
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				eventually(func() bool { _, err := os.Stat(pids); return err == nil })
				time.Sleep(50 * time.Millisecond)
				cancel()
			}()
			r, err := runIt(t, ctx, helperProgram(t, script...), nil, testLimits, 1)
			if err != context.Canceled {
				t.Fatalf("Run = %v, %v; want context.Canceled", r.Outcome, err)
			}
			if r.elapsed > slow {
				t.Errorf("Run took %v", r.elapsed)
			}
			_, pgid := readPids(t, pids)
			checkGroupGone(t, pgid, true)
		})
	}
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		pids := pidFile(t)
		if _, err := helperProgram(t, "pid:"+pids).Run(ctx, nil, testLimits, 1, nil); err != context.Canceled {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
		if _, err := os.Stat(pids); err == nil {
			t.Errorf("the program ran")
		}
	})
}

// The argv and the environment hold the parameters in Python's repr form;
// the program runs in Dir.
func TestRunParams(t *testing.T) {
	t.Setenv("SWEEP_ALPHA", "stale")
	t.Setenv("SWEEP_MOMENTUM", "0.9") // a shell's leftover: no parameter of this run, so not in its environment
	dump := filepath.Join(t.TempDir(), "dump")
	p := Program{Argv: []string{exe, `out:{{"error": 1}}`, "dump:" + dump,
		"--alpha={alpha}", "{input}", "{{x}}", "w={weight}{goal}", "{tiny}", "{huge}", "{big}", "{ten}", "{small}", "{e22}"}}
	params := []Param{{Name: "alpha", Value: 1}, {Name: "input", Value: 1e-05}, {Name: "weight", Value: 1e16}, {Name: "goal", Value: math.Copysign(0, -1)}, {Name: "tiny", Value: 5e-324},
		{Name: "huge", Value: 1.7976931348623157e308}, {Name: "big", Value: 123456789012345680}, {Name: "ten", Value: 10}, {Name: "small", Value: 0.0001}, {Name: "e22", Value: 1e22}}
	r := mustRun(t, p, testLimits, 1, params...)
	checkNoZombies(t)
	checkOutcome(t, r.Outcome, runner.Unfinished, 1, "")
	b, err := os.ReadFile(dump)
	if err != nil {
		t.Fatal(err)
	}
	want := `out:{"error": 1}
dump:` + dump + `
--alpha=1.0
1e-05
{x}
w=1e+16-0.0
5e-324
1.7976931348623157e+308
1.2345678901234568e+17
10.0
0.0001
1e+22
--
SWEEP_ALPHA=1.0
SWEEP_BIG=1.2345678901234568e+17
SWEEP_E22=1e+22
SWEEP_GOAL=-0.0
SWEEP_HUGE=1.7976931348623157e+308
SWEEP_INPUT=1e-05
SWEEP_SMALL=0.0001
SWEEP_TEN=10.0
SWEEP_TINY=5e-324
SWEEP_WEIGHT=1e+16
`
	if string(b) != want {
		t.Errorf("the program got\n%s\nwant\n%s", b, want)
	}

	dir := t.TempDir()
	r = mustRun(t, Program{Argv: []string{"/bin/sh", "-c", braces(`echo '{"error": 1}'; pwd -P >&2`)}, Dir: dir}, testLimits, 1)
	if want, _ := filepath.EvalSymlinks(dir); r.Stderr != want {
		t.Errorf("the program ran in %q, want %q", r.Stderr, want)
	}
}

// Run refuses parameters that do not fit the argv: the parser's job.
func TestRunBadParams(t *testing.T) {
	p := Program{Argv: []string{exe, "{alpha}"}}
	for _, params := range [][]Param{nil, {{Name: "input", Value: 1}}, {{Name: "alpha", Value: math.Inf(1)}}, {{Name: "alpha", Value: 1}, {Name: "alpha", Value: 2}}} {
		if _, err := p.Run(context.Background(), params, testLimits, 1, nil); err == nil {
			t.Errorf("Run with %v: no error", params)
		}
	}
	if _, err := p.Run(context.Background(), []Param{{Name: "alpha", Value: 1}}, testLimits, -1, nil); err == nil {
		t.Errorf("Run keeping every -1 rows: no error")
	}
}

// A program that cannot start is a failed run, with the reason.
func TestRunStartFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "plain.sh"), []byte("echo hi\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "garbage"), []byte("\x7fELF not really"), 0o755)
	os.WriteFile(filepath.Join(dir, "train.sh"), []byte("#!/bin/sh\necho \"{\\\"error\\\": $1}\"\n"), 0o755)
	for _, tt := range []struct {
		argv   []string
		reason string
	}{
		{[]string{"./missing.sh"}, "start: program ./missing.sh does not exist (" + filepath.Join(dir, "missing.sh") + ")"},
		{[]string{"./plain.sh"}, "start: program ./plain.sh is not executable"},
		{[]string{"no-such-program-for-sweep"}, `start: program "no-such-program-for-sweep" is not found in PATH`},
		{[]string{"./garbage"}, "start: fork/exec " + filepath.Join(dir, "garbage") + ": exec format error"},
		{[]string{"./train.sh", "0.5"}, ""},
	} {
		r := mustRun(t, Program{Argv: tt.argv, Dir: dir}, testLimits, 1)
		if tt.reason == "" {
			checkOutcome(t, r.Outcome, runner.Unfinished, 1, "")
			continue
		}
		checkOutcome(t, r.Outcome, runner.Failed, 0, tt.reason)
	}
}

// kill -9 of sweep leaves no program running (Pdeathsig).
func TestRunDiesWithSweep(t *testing.T) {
	t.Parallel()
	pids := pidFile(t)
	sweep := osexec.Command(exe, "runner:"+pids)
	if err := sweep.Start(); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { _, err := os.Stat(pids); return err == nil }) {
		sweep.Process.Kill()
		sweep.Wait()
		t.Fatal("the program did not start")
	}
	program, _ := readPids(t, pids)
	sweep.Process.Kill()
	sweep.Wait()
	if !eventually(func() bool { return !running(program) }) {
		syscall.Kill(program, syscall.SIGKILL)
		t.Errorf("the program %d still runs after kill -9 of the process that ran it", program)
	}
}

// kill -9 of sweep leaves nothing the program started running either: the
// guard kills the program's group.
func TestRunGroupDiesWithSweep(t *testing.T) {
	t.Parallel()
	pids := pidFile(t)
	sweep := osexec.Command(exe, "runnerchild:"+pids)
	if err := sweep.Start(); err != nil {
		t.Fatal(err)
	}
	if !eventually(func() bool { _, err := os.Stat(pids); return err == nil }) {
		sweep.Process.Kill()
		sweep.Wait()
		t.Fatal("the program did not start")
	}
	program, pgid := readPids(t, pids)
	child, childGroup := readPids(t, pids+".child")
	if childGroup != pgid {
		t.Fatalf("the child is in group %d, the program in %d", childGroup, pgid)
	}
	sweep.Process.Kill()
	sweep.Wait()
	for _, pid := range []int{program, child} {
		if !eventually(func() bool { return !running(pid) }) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("process %d of the program's group still runs after kill -9 of the process that ran it", pid)
		}
	}
}

// The program is not killed when the thread that started it ends: Go ends
// a thread whose goroutine exits locked to it, and Pdeathsig fires when the
// thread that started the child ends. Right after Start, the starting
// goroutine yields while goroutines lock their threads and exit; unless it
// holds its thread, one of them can run on it, and end it.
func TestRunSurvivesThreadExits(t *testing.T) {
	testHookStarted = func() {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { runtime.LockOSThread() }) // never unlocked: the thread ends with the goroutine
		}
		runtime.Gosched()
		wg.Wait()
	}
	defer func() { testHookStarted = nil }()
	for range 5 {
		r := mustRun(t, helperProgram(t, "sleep:100ms", `out:{"error": 1}`, "exit:0"), testLimits, 1)
		checkNoZombies(t)
		checkOutcome(t, r.Outcome, runner.Unfinished, 1, "")
	}
}

// A panic in emit goes on to the caller, and leaves no program behind.
func TestRunEmitPanics(t *testing.T) {
	pids := pidFile(t)
	p := helperProgram(t, "pid:"+pids, `forever:{"error": 1}`)
	func() {
		defer func() {
			if r := recover(); r != "emit" {
				t.Errorf("recovered %v, want the panic of emit", r)
			}
		}()
		p.Run(context.Background(), nil, grid.Limits{Iterations: 1 << 30, Tolerance: 0, Divergence: 2}, 1, func([]Row) { panic("emit") })
	}()
	checkNoZombies(t)
	_, pgid := readPids(t, pids)
	checkGroupGone(t, pgid, true)
}

// A program that dies of SIGTERM as sweep is being stopped too (a batch
// system's scancel signals every process of the job at once; sweep's own
// signal cancels ctx a moment later) is not a failed run: Run returns
// ctx's error, and the run is run again when the sweep is.
func TestRunStoppedWithSweep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	argv := []string{"/bin/sh", "-c", braces(`echo '{"error": 1}'; kill -TERM $$`)}
	r, err := runIt(t, ctx, Program{Argv: argv, Dir: t.TempDir(), Grace: 300 * time.Millisecond}, nil, testLimits, 1)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %+v, %v; want context.Canceled", r.Outcome, err)
	}
}
