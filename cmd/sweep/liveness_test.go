package main

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledSweepIsNotRunning kills a sweep with SIGKILL: sweep ls stops
// calling it running at once (no process holds it), and the next process
// that writes the database records it as interrupted.
func TestKilledSweepIsNotRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of several seconds")
	}
	dir := t.TempDir()
	cmd, _, _ := startSweep(t, dir)
	ls := func() string {
		b, err := sweepCommand(dir, "ls", "--db", "slow.db", "--format", "csv").CombinedOutput()
		if err != nil {
			t.Fatalf("sweep ls: %v\n%s", err, b)
		}
		return string(b)
	}
	if out := ls(); !strings.Contains(out, ",running,") {
		t.Errorf("sweep ls while the sweep runs:\n%s\nwant it running", out)
	}
	cmd.Process.Kill()
	cmd.Wait()
	if out := ls(); !strings.Contains(out, ",interrupted,") {
		t.Errorf("sweep ls after kill -9:\n%s\nwant it interrupted", out)
	}
	stored := func() string {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "slow.db")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var s string
		if err := db.QueryRow("SELECT status FROM sweeps WHERE name = 'slow'").Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := stored(); got != "running" {
		t.Fatalf("status stored after kill -9 = %q, want running (nothing wrote since)", got)
	}
	os.WriteFile(filepath.Join(dir, "one.yaml"), []byte("name: one\nmethod: gradient_descent\ngrid: {alpha: 0.1, input: 1, goal: 0.8, weight: 0.5}\n"), 0o644)
	if b, err := sweepCommand(dir, "run", "--db", "slow.db", "one.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, b)
	}
	if got := stored(); got != "interrupted" {
		t.Errorf("status stored once another sweep wrote = %q, want interrupted", got)
	}
}

// exitAfterSignal starts cmd, sends it sig after delay and returns its exit
// status and stderr; it fails the test when the process does not end within
// ten seconds of the signal.
func exitAfterSignal(t *testing.T, cmd *exec.Cmd, sig syscall.Signal, delay time.Duration) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(delay)
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), stderr.String()
		}
		return 0, stderr.String()
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("%v did not end within 10s of %v", cmd.Args[1:], sig)
		return 0, ""
	}
}

const endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"

// TestSignalsExitStatus sends SIGINT and SIGTERM to every kind of command
// while it works (a statement that never ends, a refinement of many
// probes): each exits 130 or 143, says it was interrupted, and leaves the
// database whole.
func TestSignalsExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for signals to land")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("name: a\nmethod: gradient_descent\ngrid: {alpha: [0.1, 0.3], input: 1, goal: 0.8, weight: 0.5}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "expect.yaml"), []byte("name: e\nmethod: gradient_descent\ngrid: {alpha: 0.1, input: 1, goal: 0.8, weight: 0.5}\nexpect:\n  - sql: \""+endless+"\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "edge.yaml"), []byte(`name: edge
method: gradient_descent
iterations: 1000000
tolerance: 1e-300
trace: none
grid: {alpha: [0.2, 0.3, 0.4, 0.6], input: [2, 1.9, 1.8, 1.7, 1.6, 1.5], goal: [0.8, -1], weight: 0.5}
`), 0o644)
	for _, f := range []string{"a.yaml", "edge.yaml"} {
		if b, err := sweepCommand(dir, "run", "--db", "s.db", f).CombinedOutput(); err != nil {
			t.Fatalf("sweep run %s: %v\n%s", f, err, b)
		}
	}
	for _, c := range []struct {
		name string
		args []string
		sig  syscall.Signal
		want int
	}{
		{"query SIGINT", []string{"query", "--db", "s.db", endless}, syscall.SIGINT, 130},
		{"query SIGTERM", []string{"query", "--db", "s.db", endless}, syscall.SIGTERM, 143},
		{"export SIGTERM", []string{"export", "--db", "s.db", "--runs", "--where", "id IN (" + endless + ")"}, syscall.SIGTERM, 143},
		{"expectation SIGINT", []string{"run", "--db", "s.db", "expect.yaml"}, syscall.SIGINT, 130},
		{"refine SIGTERM", []string{"refine", "--db", "s.db", "--sweep", "2", "--precision", "1e-12"}, syscall.SIGTERM, 143},
		{"refine SIGINT", []string{"refine", "--db", "s.db", "--sweep", "2", "--precision", "1e-11"}, syscall.SIGINT, 130},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stderr := exitAfterSignal(t, sweepCommand(dir, c.args...), c.sig, 700*time.Millisecond)
			if code != c.want {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, c.want, stderr)
			}
			if !strings.Contains(stderr, "interrupted") {
				t.Errorf("stderr does not say interrupted:\n%s", stderr)
			}
		})
	}
	openIntact(t, filepath.Join(dir, "s.db"), "integrity_check").Close()
}
