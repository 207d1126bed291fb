package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// atRest checks that the database file alone, copied without any -wal or
// -shm file (as a CI artifact upload copies it), is whole and holds want
// runs, and that it is in rollback mode with no file beside it.
func atRest(t *testing.T, dir, name string, want int) {
	t.Helper()
	path := filepath.Join(dir, name)
	head := make([]byte, 20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f.ReadAt(head, 0)
	f.Close()
	if head[18] != 1 || head[19] != 1 {
		t.Errorf("header bytes 18-19 = %d %d, want 1 1 (rollback mode at rest)", head[18], head[19])
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("%s%s is left beside the database", name, side)
		}
	}
	alone := filepath.Join(t.TempDir(), "alone.db")
	copyFile(t, path, alone, 0o644)
	db := openIntact(t, alone, "integrity_check")
	defer db.Close()
	var runs int
	var status string
	if err := db.QueryRow("SELECT (SELECT count(*) FROM runs), (SELECT group_concat(DISTINCT status) FROM sweeps)").Scan(&runs, &status); err != nil {
		t.Fatal(err)
	}
	if runs != want || status != "done" {
		t.Errorf("the file alone holds %d runs, sweeps %s; want %d, done", runs, status, want)
	}
}

// TestAtRestWithReaders runs a sweep while other processes read the
// database in a loop: when it ends, the database file alone holds every
// run, as it does without readers.
func TestAtRestWithReaders(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of seconds with readers")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shared.yaml"), []byte(sharedSweep), 0o644)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, query := range []string{"SELECT count(*) FROM runs", "SELECT count(*) FROM trace"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				sweepCommand(dir, "query", "--db", "shared.db", query).Run()
			}
		}()
	}
	out, err := sweepCommand(dir, "run", "--db", "shared.db", "shared.yaml").CombinedOutput()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	atRest(t, dir, "shared.db", 3000)
}

// TestClosedStdout runs sweep run and sweep refine with their output piped
// into a reader that has gone (sweep run ... | head -1): they finish their
// work and leave the database whole and at rest instead of dying of
// SIGPIPE in the middle of it.
func TestClosedStdout(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shared.yaml"), []byte(sharedSweep), 0o644)
	for _, args := range [][]string{{"run", "--db", "s.db", "shared.yaml"}, {"query", "--db", "s.db", "--format", "csv", "SELECT * FROM trace"}} {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		cmd := sweepCommand(dir, args...)
		cmd.Stdout = w
		err = cmd.Run()
		w.Close()
		var exit *exec.ExitError
		code := 0
		if err != nil && !errors.As(err, &exit) {
			t.Fatal(err)
		} else if err != nil {
			code = exit.ExitCode()
		}
		if want := map[string]int{"run": 0, "query": 141}[args[0]]; code != want {
			t.Errorf("sweep %v into a closed pipe: exit status %d, want %d", args, code, want)
		}
	}
	atRest(t, dir, "s.db", 3000)
}
