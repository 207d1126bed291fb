package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// A sweep of 3,000 configs of 1,000 steps: long enough for two processes to
// overlap.
const (
	sharedSweep = `name: shared
method: gradient_descent
iterations: 1000
tolerance: 1e-300
divergence: 1e300
grid:
  alpha: {from: 0.001, to: 0.0001, per_decade: 14}
  input: {from: 0.01, to: 1, step: 0.01}
  goal: 0.8
  weight: [0.5, -0.5]
`
	otherSweep = `name: other
method: hot_cold
iterations: 1000
tolerance: 1e-300
divergence: 1e300
grid:
  step_amount: {from: 0.001, to: 0.0001, per_decade: 14}
  input: {from: 0.01, to: 1, step: 0.01}
  goal: 0.8
  weight: [0.5, -0.5]
`
)

// runTogether starts every command at once and waits for all of them,
// returning each one's combined output; any failure fails the test.
func runTogether(t *testing.T, cmds ...*exec.Cmd) []string {
	t.Helper()
	outs := make([]bytes.Buffer, len(cmds))
	for i, c := range cmds {
		c.Stdout, c.Stderr = &outs[i], &outs[i]
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	var errs []error
	for _, c := range cmds {
		errs = append(errs, c.Wait())
	}
	texts := make([]string, len(cmds))
	for i := range cmds {
		texts[i] = outs[i].String()
		if errs[i] != nil {
			t.Errorf("%v: %v\n%s", cmds[i].Args[1:], errs[i], texts[i])
		}
		if strings.Contains(texts[i], "locked") || strings.Contains(texts[i], "busy") {
			t.Errorf("%v reported a lock:\n%s", cmds[i].Args[1:], texts[i])
		}
	}
	return texts
}

// TestTwoWritersSameSweep runs the same sweep file into the same database
// from two processes at once, while a third reads: both finish, and every
// config is stored once.
func TestTwoWritersSameSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs concurrent sweeps of several seconds")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shared.yaml"), []byte(sharedSweep), 0o644)
	db := filepath.Join(dir, "shared.db")
	stop := make(chan struct{})
	var reads, readFailures int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // sweep query reads while the sweeps write
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := os.Stat(db); err != nil {
				continue
			}
			out, err := sweepCommand(dir, "query", "--db", "shared.db", "--format", "csv", "SELECT count(*) FROM runs").CombinedOutput()
			reads++
			if err != nil && !strings.Contains(string(out), "empty database") {
				readFailures++
				t.Errorf("sweep query during the sweeps: %v\n%s", err, out)
			}
		}
	}()
	runTogether(t,
		sweepCommand(dir, "run", "--db", "shared.db", "shared.yaml"),
		sweepCommand(dir, "run", "--db", "shared.db", "shared.yaml"))
	close(stop)
	wg.Wait()
	if reads < 2 {
		t.Errorf("only %d reads happened during the sweeps", reads)
	}
	checkSweep(t, db, sharedSweep)
}

// TestTwoWritersTwoSweeps runs two different sweeps into one database at
// once, and two sweeps into two databases at once.
func TestTwoWritersTwoSweeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs concurrent sweeps of several seconds")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shared.yaml"), []byte(sharedSweep), 0o644)
	os.WriteFile(filepath.Join(dir, "other.yaml"), []byte(otherSweep), 0o644)
	runTogether(t,
		sweepCommand(dir, "run", "--db", "one.db", "shared.yaml"),
		sweepCommand(dir, "run", "--db", "one.db", "other.yaml"),
		sweepCommand(dir, "run", "--db", "two.db", "shared.yaml"))
	checkSweep(t, filepath.Join(dir, "one.db"), sharedSweep)
	checkSweep(t, filepath.Join(dir, "one.db"), otherSweep)
	checkSweep(t, filepath.Join(dir, "two.db"), sharedSweep)
}
