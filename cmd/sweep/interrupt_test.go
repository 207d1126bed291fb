package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/internal/grid"
	"sweep/internal/runner"
	"sweep/internal/store"
)

// slowSweep takes a few seconds: 15,000 configs that mostly run their whole
// budget of 1,000 steps (15 million trace rows), so that a signal lands in
// the middle of it.
const (
	slowSweep = `name: slow
method: gradient_descent
iterations: 1000
tolerance: 1e-300
divergence: 1e300
grid:
  alpha: {from: 0.001, to: 0.0001, per_decade: 14}
  input: {from: 0.01, to: 1, step: 0.01}
  goal: [0.8, -1, 2, 0.5, -0.3]
  weight: [0.5, -0.5]
`
	slowConfigs = 15 * 100 * 5 * 2
)

// startSweep starts the test binary as sweep run on the slow sweep and waits
// until it has committed some runs, but not all.
func startSweep(t *testing.T, dir string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "slow.yaml"), []byte(slowSweep), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := sweepCommand(dir, "run", "--db", "slow.db", "slow.yaml")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for storedRuns(t, filepath.Join(dir, "slow.db")) == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no run was committed within 30s; stderr: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cmd, &stdout, &stderr
}

func sweepCommand(dir string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SWEEP_AS_MAIN=1", "CI=true")
	return cmd
}

// storedRuns counts the committed runs, reading as any other client would
// while the sweep writes; 0 when the database is not there yet.
func storedRuns(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM runs").Scan(&n); err != nil {
		return 0 // the schema is not created yet
	}
	return n
}

// checkComplete checks that the database holds every config of the slow
// sweep exactly once, as checkSweep says.
func checkComplete(t *testing.T, path string) {
	t.Helper()
	checkSweep(t, path, slowSweep)
}

// checkSweep checks that the database at path is intact and holds every
// config of the sweep file text exactly once, each with the verdict, step
// count and final weight that running it directly gives and exactly its
// steps trace rows, and that the sweep is done.
func checkSweep(t *testing.T, path, text string) {
	t.Helper()
	spec, err := grid.Parse("check.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CheckAnswers(context.Background(), path); err != nil {
		t.Error(err)
	}
	db := openIntact(t, path, "integrity_check")
	defer db.Close()
	var sweepID int64
	var status string
	if err := db.QueryRow("SELECT id, status FROM sweeps WHERE fingerprint = ?", spec.Fingerprint()).Scan(&sweepID, &status); err != nil {
		t.Fatalf("sweep %s not found: %v", spec.Name, err)
	}
	if status != "done" {
		t.Errorf("sweep %s status = %q, want done", spec.Name, status)
	}
	var badTraces int
	db.QueryRow(`SELECT count(*) FROM runs WHERE sweep_id = ? AND steps != (SELECT count(*) FROM trace WHERE run_id = runs.id)`, sweepID).Scan(&badTraces)
	if badTraces != 0 {
		t.Errorf("%d runs do not have exactly their steps trace rows", badTraces)
	}
	rows, err := db.Query("SELECT config_index, verdict, steps, final_weight FROM runs WHERE sweep_id = ? ORDER BY config_index", sweepID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := int64(0)
	for rows.Next() {
		var (
			index, steps int64
			verdict      string
			finalWeight  float64
		)
		if err := rows.Scan(&index, &verdict, &steps, &finalWeight); err != nil {
			t.Fatal(err)
		}
		if index != want {
			t.Fatalf("config %d is missing or stored twice (next stored is %d)", want, index)
		}
		r := runner.Train(spec.Config(index))
		if verdict != r.Verdict.String() || steps != int64(len(r.Trace)) || finalWeight != r.Last().Weight {
			t.Errorf("config %d: stored %s in %d steps ending at %v, a direct run gives %s in %d ending at %v",
				index, verdict, steps, finalWeight, r.Verdict, len(r.Trace), r.Last().Weight)
		}
		want++
	}
	if want != spec.Len() {
		t.Errorf("stored %d configs, want %d", want, spec.Len())
	}
}

func TestKilledSweepResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of several seconds")
	}
	dir := t.TempDir()
	cmd, _, _ := startSweep(t, dir)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	db := filepath.Join(dir, "slow.db")
	stored := storedRuns(t, db)
	if stored >= slowConfigs {
		t.Fatalf("the sweep finished before it was killed; make slowSweep slower")
	}

	resume := sweepCommand(dir, "run", "--db", "slow.db", "slow.yaml")
	out, err := resume.CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	re := regexp.MustCompile(`ran (\d+) in .*; (\d+) were stored before`)
	m := re.FindSubmatch(out)
	if m == nil {
		t.Fatalf("resume summary does not say what it ran:\n%s", out)
	}
	ran, _ := strconv.Atoi(string(m[1]))
	before, _ := strconv.Atoi(string(m[2]))
	if before < stored || ran+before != slowConfigs {
		t.Errorf("resume ran %d with %d stored before (at least %d were committed at the kill), want them to add up to %d", ran, before, stored, slowConfigs)
	}
	checkComplete(t, db)
}

func TestInterruptedSweepResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of several seconds")
	}
	dir := t.TempDir()
	cmd, stdout, stderr := startSweep(t, dir)
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("sweep did not stop after SIGINT")
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 130 {
		t.Fatalf("sweep exited with %v after SIGINT, want status 130; stderr:\n%s", err, stderr)
	}
	m := regexp.MustCompile(`(?m)^sweep: error: interrupted: (\d+) of 15000 configs stored\nsweep: hint: run the same command again to finish the rest; nothing stored is run twice\n$`).FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("stderr does not say how far it got and how to resume:\n%s", stderr)
	}
	stored, _ := strconv.Atoi(m[1])
	if got := storedRuns(t, filepath.Join(dir, "slow.db")); got != stored {
		t.Errorf("stderr says %d stored, the database holds %d", stored, got)
	}
	if !regexp.MustCompile(`(?m)^sweep slow: ` + m[1] + ` of 15000 configs stored; ran ` + m[1] + ` in `).MatchString(stdout.String()) {
		t.Errorf("summary does not match what was stored:\n%s", stdout)
	}
	db, _ := sql.Open("sqlite", "file:"+filepath.Join(dir, "slow.db")+"?mode=ro")
	var status string
	db.QueryRow("SELECT status FROM sweeps").Scan(&status)
	db.Close()
	if status != "interrupted" {
		t.Errorf("status after SIGINT = %q, want interrupted", status)
	}

	out, err := sweepCommand(dir, "run", "--db", "slow.db", "slow.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	if want := "; " + m[1] + " were stored before\n"; !bytes.Contains(out, []byte(want)) {
		t.Errorf("resume summary lacks %q:\n%s", want, out)
	}
	checkComplete(t, filepath.Join(dir, "slow.db"))
}

// TestKilledAtTwentyPoints kills the slow sweep with SIGKILL at 20 random
// moments, resuming it each time. After every kill the database must be
// intact, hold no config twice and a trace for every run; at the end one
// more run completes it to exactly the results of an uninterrupted run,
// running only what was missing. Runs are never rewritten, so checking
// every run's trace at the end checks what each kill left.
func TestKilledAtTwentyPoints(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a sweep of several seconds twenty times")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "slow.yaml"), []byte(slowSweep), 0o644)
	path := filepath.Join(dir, "slow.db")
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	var points []string
	var alive time.Duration // time the runs were given, all kills together
	stored := 0
	for kill := 0; kill < 20; kill++ {
		// One worker, and kills at most 200 ms apart, so that twenty of
		// them land before the 15,000 configs are done, even on a quiet
		// machine.
		cmd := sweepCommand(dir, "run", "--db", "slow.db", "--jobs", "1", "slow.yaml")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Keep the kills spread over the sweep: at most 200 ms, and at
		// most about half of what the remaining configs take per kill left,
		// at the pace seen so far.
		limit := 200 * time.Millisecond
		if stored > 0 {
			perConfig := alive / time.Duration(stored)
			limit = min(limit, 40*time.Millisecond+perConfig*time.Duration(slowConfigs-stored)/time.Duration(2*(20-kill)))
		}
		delay := 20*time.Millisecond + time.Duration(rng.Int63n(int64(limit-20*time.Millisecond)+1))
		alive += delay
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		if err := cmd.Wait(); err == nil {
			t.Fatalf("the sweep finished before kill %d; make slowSweep slower", kill+1)
		}
		stored = checkAfterKill(t, path)
		points = append(points, fmt.Sprintf("%v:%d", delay.Round(time.Millisecond), stored))
	}
	t.Logf("kill points (delay:runs stored): %s", strings.Join(points, " "))
	before := storedRuns(t, path)
	out, err := sweepCommand(dir, "run", "--db", "slow.db", "slow.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("final run: %v\n%s", err, out)
	}
	want := fmt.Sprintf("ran %d in ", slowConfigs-before)
	if !strings.Contains(string(out), want) || !strings.Contains(string(out), fmt.Sprintf("; %d were stored before", before)) {
		t.Errorf("final run should run exactly the %d missing configs:\n%s", slowConfigs-before, out)
	}
	checkComplete(t, path)
}

// checkAfterKill checks what a SIGKILL left: the database opens, quick_check
// passes, no config is stored twice, and every stored run has its trace.
// It returns how many runs are stored.
func checkAfterKill(t *testing.T, path string) int {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return 0 // killed before it created the database
	}
	db := openIntact(t, path, "quick_check")
	defer db.Close()
	if err := store.CheckAnswers(context.Background(), path); err != nil {
		t.Errorf("after a kill: %v", err)
	}
	var runs, distinct, traces int
	err := db.QueryRow("SELECT count(*), count(DISTINCT config_index), (SELECT count(*) FROM trace_weights) FROM runs").Scan(&runs, &distinct, &traces)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return 0 // killed before the schema was committed
		}
		t.Fatal(err)
	}
	if runs != distinct || traces != runs {
		t.Fatalf("after a kill: %d runs, %d distinct configs, %d traces", runs, distinct, traces)
	}
	return runs
}

// TestInterruptStopsPromptly checks that Ctrl-C stops a sweep within a
// second, and that a second Ctrl-C right after the first ends it at once
// (by the signal's default action), leaving a database that is intact and
// that the next run completes.
func TestInterruptStopsPromptly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of several seconds")
	}
	for _, twice := range []bool{false, true} {
		dir := t.TempDir()
		cmd, _, stderr := startSweep(t, dir)
		signaled := time.Now()
		cmd.Process.Signal(syscall.SIGINT)
		if twice {
			time.Sleep(5 * time.Millisecond)
			cmd.Process.Signal(syscall.SIGINT)
		}
		err := cmd.Wait()
		took := time.Since(signaled)
		t.Logf("Ctrl-C (twice: %v): exited %v after %v", twice, err, took)
		if took > time.Second {
			t.Errorf("took %v to stop after Ctrl-C, want under a second", took)
		}
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			t.Fatalf("exit %v, want status 130 or death by SIGINT", err)
		}
		ws := exitErr.Sys().(syscall.WaitStatus)
		switch {
		case ws.Signaled() && ws.Signal() == syscall.SIGINT && twice:
		case ws.ExitStatus() == 130:
			if !strings.Contains(stderr.String(), "interrupted:") {
				t.Errorf("exit 130 without saying how far it got:\n%s", stderr)
			}
		default:
			t.Fatalf("exit %v, want status 130 or death by SIGINT", err)
		}
		checkAfterKill(t, filepath.Join(dir, "slow.db"))
		if out, err := sweepCommand(dir, "run", "--db", "slow.db", "slow.yaml").CombinedOutput(); err != nil {
			t.Fatalf("resume: %v\n%s", err, out)
		}
		checkComplete(t, filepath.Join(dir, "slow.db"))
	}
}

// openIntact opens the database at path read-only and fails the test unless
// the check pragma (integrity_check or quick_check) says ok.
func openIntact(t *testing.T, path, check string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var result string
	if err := db.QueryRow("PRAGMA " + check).Scan(&result); err != nil || result != "ok" {
		db.Close()
		t.Fatalf("%s of %s = %q, %v", check, path, result, err)
	}
	return db
}

// TestInterruptDuringReuse: Ctrl-C while a sweep copies the runs another
// sweep stored (158,844 of them, most of a second) stops it at once, exit
// 130, with none of them copied (the copy is one transaction) and the
// sweep interrupted; run again, it reuses them all.
func TestInterruptDuringReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of 158,844 configs")
	}
	dir := t.TempDir()
	text, err := os.ReadFile("../../bench/w2_tenth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "a.yaml"), text, 0o644)
	os.WriteFile(filepath.Join(dir, "b.yaml"), bytes.Replace(text, []byte("name: w2_tenth"), []byte("name: again"), 1), 0o644)
	if out, err := sweepCommand(dir, "run", "--db", "r.db", "a.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run a.yaml: %v\n%s", err, out)
	}
	cmd := sweepCommand(dir, "run", "--db", "r.db", "b.yaml")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	signaled := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	err = cmd.Wait()
	took := time.Since(signaled)
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 130 {
		t.Fatalf("exit %v, want 130\n%s%s", err, stdout.String(), stderr.String())
	}
	if took > time.Second {
		t.Errorf("took %v to stop after Ctrl-C, want under a second", took)
	}
	if !strings.Contains(stdout.String(), "sweep again: 0 of 158844 configs stored; ran 0 in ") {
		t.Errorf("summary after Ctrl-C:\n%s", stdout.String())
	}
	db := openIntact(t, filepath.Join(dir, "r.db"), "integrity_check")
	var copied int
	var status string
	db.QueryRow("SELECT (SELECT count(*) FROM runs WHERE sweep_id = 2), (SELECT status FROM sweeps WHERE id = 2)").Scan(&copied, &status)
	db.Close()
	if copied != 0 || status != "interrupted" {
		t.Errorf("after Ctrl-C: %d runs copied, status %q; want 0, interrupted", copied, status)
	}
	out, err := sweepCommand(dir, "run", "--db", "r.db", "b.yaml").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "sweep again: 158844 of 158844 configs stored; ran 0, reused 158844 in ") {
		t.Errorf("run again: %v\n%s", err, out)
	}
}
