package main

import (
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
)

// memorySweep is bench/memory8.yaml: 8 runs that are each unfinished after
// the documented maximum of 1,000,000 iterations, every row stored.
const memorySweep = `name: memory8
method: gradient_descent
iterations: 1000000
tolerance: 1e-300
divergence: 1e300
trace: all
grid:
  alpha: [1e-9, 2e-9, 3e-9, 4e-9, 5e-9, 6e-9, 7e-9, 8e-9]
  input: 1
  goal: 0.8
  weight: 0.5
`

// memoryBudget is the peak RSS sweep run must stay under for runs of a
// million stored rows at --jobs 2 (issue 11); it used to take 1 GB for
// these 8 runs and 120 MB more for each further one.
const memoryBudget = 256 << 20

// TestMemoryBounded runs 8 configs of 1,000,000 stored rows each at --jobs
// 2 and checks the peak RSS of the process against memoryBudget, and that
// every run and its whole trace were stored.
func TestMemoryBounded(t *testing.T) {
	if os.Getenv("SWEEP_MEASURE_RSS") == "1" {
		measureRSS(t)
		return
	}
	if testing.Short() {
		t.Skip("stores 8 million trace rows")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "memory8.yaml"), []byte(memorySweep), 0o644); err != nil {
		t.Fatal(err)
	}
	checkPeakRSS(t, dir, "TestMemoryBounded", "run", "--jobs", "2", "--db", "memory.db", "memory8.yaml")

	db := openIntact(t, filepath.Join(dir, "memory.db"), "quick_check")
	defer db.Close()
	rows, err := db.Query(`SELECT id, steps, verdict, (SELECT count(*) FROM trace WHERE run_id = runs.id) FROM runs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	runs := 0
	for rows.Next() {
		var id, steps, traceRows int64
		var verdict string
		if err := rows.Scan(&id, &steps, &verdict, &traceRows); err != nil {
			t.Fatal(err)
		}
		runs++
		if steps != 1_000_000 || traceRows != 1_000_000 || verdict != "unfinished" {
			t.Errorf("run %d: %s after %d steps with %d trace rows, want unfinished after 1000000 with 1000000", id, verdict, steps, traceRows)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got, want := runs, 8; got != want {
		t.Errorf("%d runs stored, want %d", got, want)
	}
}

// checkPeakRSS runs sweep with args in dir, from a child running the test
// named test (which must call measureRSS when SWEEP_MEASURE_RSS is set),
// and fails unless its peak RSS is under memoryBudget.
func checkPeakRSS(t *testing.T, dir, test string, args ...string) {
	t.Helper()
	checkPeakRSSUnder(t, memoryBudget, dir, test, args...)
}

// checkPeakRSSUnder is checkPeakRSS with a budget of its own, in bytes.
func checkPeakRSSUnder(t *testing.T, budget int64, dir, test string, args ...string) {
	t.Helper()
	// Linux starts a child's peak RSS at its parent's, so sweep is started
	// by a fresh, small copy of the test binary, which reports the peak:
	// this process may have grown in other tests.
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^" + test + "$", "--"}, args...)...)
	cmd.Dir = dir
	// The default garbage collector settings are what is measured.
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "GOGC=") || strings.HasPrefix(kv, "GOMEMLIMIT=")
	}), "SWEEP_MEASURE_RSS=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sweep %v: %v\n%s", args, err, out)
	}
	m := regexp.MustCompile(`peak RSS (\d+) KiB`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no peak RSS reported:\n%s", out)
	}
	kib, _ := strconv.ParseInt(string(m[1]), 10, 64)
	rss := kib << 10
	t.Logf("sweep %s: peak RSS %.1f MB", args[0], float64(rss)/(1<<20))
	if rss >= budget {
		t.Errorf("sweep %s: peak RSS = %.1f MB, want under %d MB", args[0], float64(rss)/(1<<20), budget>>20)
	}
}

// reportMemorySweep is bench/w2_tenth.yaml: 158,844 runs, more than a
// map draws one by one.
const reportMemorySweep = `name: w2_tenth
method: gradient_descent
iterations: 1000
tolerance: 1e-12
divergence: 1e12
trace: none
grid:
  alpha: {from: 10, to: 0.0001, per_decade: 4}
  input: {from: -3, to: 3, step: 0.1}
  goal: {from: -1, to: 2, step: 0.1}
  weight: [-1, 0, 0.5, 2]
`

// reportMemoryBudget is the peak RSS that sweep report and sweep plot must
// stay under for reportMemorySweep (issue 15): holding every run, report
// took 261 MB for it and 2.5 GB for W2, ten times as many runs; reading
// them a row at a time, about 50 MB for either.
const reportMemoryBudget = 128 << 20

// TestReportMemoryBounded reports and plots a sweep of 158,844 runs and
// checks the peak RSS of each against reportMemoryBudget, and the size of
// the report.
func TestReportMemoryBounded(t *testing.T) {
	if os.Getenv("SWEEP_MEASURE_RSS") == "1" {
		measureRSS(t)
		return
	}
	if testing.Short() {
		t.Skip("runs 158,844 configs")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "w2_tenth.yaml"), []byte(reportMemorySweep), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := sweepCommand(dir, "run", "--db", "w.db", "w2_tenth.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	checkPeakRSSUnder(t, reportMemoryBudget, dir, "TestReportMemoryBounded", "report", "--db", "w.db", "--out", "w.html")
	checkPeakRSSUnder(t, reportMemoryBudget, dir, "TestReportMemoryBounded", "plot", "--db", "w.db", "--png", "map.png", "map")
	fi, err := os.Stat(filepath.Join(dir, "w.html"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() >= 10<<20 {
		t.Errorf("the report is %.1f MB, want under 10 MB", float64(fi.Size())/(1<<20))
	}
}

// manyJobsSweep has 16 runs of 1,000,000 stored rows whose weights print
// 25 bytes long: at --jobs 8, every worker holding its run's whole trace
// text took 299 MB.
const manyJobsSweep = `name: long16
method: gradient_descent
iterations: 1000000
tolerance: 1e-300
divergence: 1e300
grid:
  alpha: [1e-12, 2e-12, 3e-12, 4e-12, 5e-12, 6e-12, 7e-12, 8e-12]
  input: 1
  goal: 0
  weight: [-1.2345678901234567e+100, -2.2345678901234567e+100]
`

// TestMemoryBoundedManyJobs checks that the budget does not grow with
// --jobs: at most a few workers hold a trace of megabytes at once.
func TestMemoryBoundedManyJobs(t *testing.T) {
	if os.Getenv("SWEEP_MEASURE_RSS") == "1" {
		measureRSS(t)
		return
	}
	if testing.Short() {
		t.Skip("stores 16 million trace rows")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "long16.yaml"), []byte(manyJobsSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	checkPeakRSS(t, dir, "TestMemoryBoundedManyJobs", "run", "--jobs", "8", "--db", "m.db", "long16.yaml")
	db := openIntact(t, filepath.Join(dir, "m.db"), "quick_check")
	defer db.Close()
	var runs, rows int64
	if err := db.QueryRow("SELECT count(*), (SELECT sum(json_array_length(weights)) FROM trace_weights) FROM runs WHERE steps = 1000000").Scan(&runs, &rows); err != nil {
		t.Fatal(err)
	}
	if runs != 16 || rows != 16_000_000 {
		t.Errorf("%d runs of 1000000 steps with %d stored rows, want 16 with 16000000", runs, rows)
	}
}

// refineMemorySweep refines runs of up to 1,000,000 steps, every row
// stored: the grid's 11 rates and 36 probes held whole took 716 MB.
const refineMemorySweep = `name: rmem
method: gradient_descent
iterations: 1000000
tolerance: 1e-300
divergence: 1e300
refine: {precision: 1e-3}
grid: {alpha: {from: 1e-9, to: 10, per_decade: 1}, input: 1, goal: 0.8, weight: 0.5}
`

// TestRefineMemoryBounded refines a sweep of long runs and checks the peak
// RSS against memoryBudget, and that every probe was stored with its whole
// trace.
func TestRefineMemoryBounded(t *testing.T) {
	if os.Getenv("SWEEP_MEASURE_RSS") == "1" {
		measureRSS(t)
		return
	}
	if testing.Short() {
		t.Skip("refines runs of a million steps")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rmem.yaml"), []byte(refineMemorySweep), 0o644); err != nil {
		t.Fatal(err)
	}
	checkPeakRSS(t, dir, "TestRefineMemoryBounded", "run", "--jobs", "2", "--db", "r.db", "rmem.yaml")
	db := openIntact(t, filepath.Join(dir, "r.db"), "quick_check")
	defer db.Close()
	var probes, want, short int
	err := db.QueryRow(`SELECT count(*), (SELECT sum(probes) FROM boundaries),
		sum(steps != (SELECT json_array_length(weights) FROM trace_weights WHERE run_id = runs.id))
		FROM runs WHERE sweep_id = 2`).Scan(&probes, &want, &short)
	if err != nil {
		t.Fatal(err)
	}
	if probes != want || probes < 30 || short != 0 {
		t.Errorf("%d probes stored (%d without their whole trace), the edges count %d", probes, short, want)
	}
}

// measureRSS is the helper process of the memory tests: it runs sweep with the
// arguments after "--" and prints its peak RSS.
func measureRSS(t *testing.T) {
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SWEEP_AS_MAIN=1", "CI=true", "SWEEP_MEASURE_RSS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	fmt.Printf("peak RSS %d KiB\n", cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) // KiB on Linux
}
