package main

import (
	"bytes"
	"database/sql"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// asReader returns the command args of sweep run by a user who may read
// but not write dir: nobody, when the tests run as root (who may write
// anything), else the current user with dir made read-only. bin is a copy
// of the test binary that such a user can run.
func asReader(t *testing.T, dir, bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SWEEP_AS_MAIN=1", "CI=true", "HOME=/")
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	return cmd
}

// listing is the names and sizes of the files in dir.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		fi, _ := e.Info()
		out = append(out, e.Name()+" "+fi.ModTime().String())
	}
	return out
}

// TestReadOnlyDatabase reads databases in a directory the reader cannot
// write (a shared results folder, a read-only mount, a downloaded CI
// artifact) with every command that only reads: each works, and none
// leaves a file beside the database or changes it. One database is at rest
// as sweep leaves it; the other was left in WAL mode (by an older sweep, or
// a writer killed before it could close).
func TestReadOnlyDatabase(t *testing.T) {
	base, err := os.MkdirTemp("", "sweep-readonly-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(base)
	results := filepath.Join(base, "results") // read-only for the reader
	out := filepath.Join(base, "out")         // where the reader writes
	for _, d := range []string{results, out} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(base, 0o755)
	os.Chmod(out, 0o777)
	bin := filepath.Join(base, "sweep")
	copyFile(t, os.Args[0], bin, 0o755)
	os.WriteFile(filepath.Join(results, "ro.yaml"), []byte("name: ro\nmethod: gradient_descent\ngrid: {alpha: [0.1, 1, 3], input: [1, 2], goal: 0.8, weight: 0.5}\n"), 0o644)
	if b, err := sweepCommand(results, "run", "--db", "rest.db", "ro.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, b)
	}
	walCopy(t, filepath.Join(results, "rest.db"), filepath.Join(results, "wal.db"))
	if os.Geteuid() != 0 {
		os.Chmod(results, 0o555)
		defer os.Chmod(results, 0o755)
	}
	before := listing(t, results)
	for _, name := range []string{"rest.db", "wal.db"} {
		for _, args := range [][]string{
			{"query", "SELECT count(*) FROM runs"},
			{"ls"},
			{"show", "1"},
			{"export", "--runs"},
			{"export", "--trace", "--out", filepath.Join(out, name+".csv")},
			{"report", "--out", filepath.Join(out, name+".html")},
			{"plot", "--svg", filepath.Join(out, name+".svg"), "map"},
			{"check", "--against", name},
			{"merge", "--db", filepath.Join(out, "merged-"+name), name},
		} {
			var stdout, stderr bytes.Buffer
			cmd := asReader(t, results, bin, append(args, "--db", name)...)
			if args[0] == "merge" { // its --db is the output
				cmd = asReader(t, results, bin, args...)
			}
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Errorf("%s %v: %v\n%s", name, args, err, stderr.String())
				continue
			}
			if args[0] == "query" && !strings.Contains(stdout.String(), "6") {
				t.Errorf("%s %v printed %q, want the 6 runs", name, args, stdout.String())
			}
		}
	}
	if after := listing(t, results); !slices.Equal(after, before) {
		t.Errorf("the read-only directory changed:\nbefore %v\nafter  %v", before, after)
	}
	if t.Failed() {
		return
	}
	// The merge holds everything.
	for _, name := range []string{"rest.db", "wal.db"} {
		m, err := sql.Open("sqlite", filepath.Join(out, "merged-"+name))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		m.QueryRow("SELECT count(*) FROM runs").Scan(&n)
		m.Close()
		if n != 6 {
			t.Errorf("merged %s holds %d runs, want 6", name, n)
		}
	}
}

// TestReadLeavesNothing checks that reading a database that sweep wrote
// leaves no -wal or -shm file beside it, in a directory the reader could
// write.
func TestReadLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.yaml"), []byte("method: gradient_descent\ngrid: {alpha: 0.1, input: 1, goal: 0.8, weight: 0.5}\n"), 0o644)
	if b, err := sweepCommand(dir, "run", "--db", "a.db", "a.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, b)
	}
	// A copy left in WAL mode, with no -wal file: SQLite would create
	// -wal and -shm files to read it.
	walCopy(t, filepath.Join(dir, "a.db"), filepath.Join(dir, "wal.db"))
	before := listing(t, dir)
	time.Sleep(10 * time.Millisecond) // a change would show in the times
	for _, name := range []string{"a.db", "wal.db"} {
		for _, args := range [][]string{{"query", "SELECT * FROM runs"}, {"ls"}, {"show", "1"}, {"export", "--trace"}} {
			if b, err := sweepCommand(dir, append(args, "--db", name)...).CombinedOutput(); err != nil {
				t.Errorf("%s %v: %v\n%s", name, args, err, b)
			}
		}
	}
	if after := listing(t, dir); !slices.Equal(after, before) {
		t.Errorf("reading changed the directory:\nbefore %v\nafter  %v", before, after)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	o, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(o, in); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
}

// walCopy copies the database from to to and leaves the copy in WAL mode
// with no -wal file, as an older sweep or a killed writer leaves one.
func walCopy(t *testing.T, from, to string) {
	t.Helper()
	copyFile(t, from, to, 0o644)
	db, err := sql.Open("sqlite", to)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("PRAGMA journal_mode = WAL"); err != nil {
		t.Fatal(err)
	}
}
