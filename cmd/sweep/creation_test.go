package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCreationRace starts 8 sweep run processes at once on a database that
// does not exist, ten times: every process exits 0 (no "database is
// locked", no half-created file taken for another application's), and
// every config of every sweep is stored exactly once.
func TestCreationRace(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 80 processes")
	}
	dir := t.TempDir()
	var files []string
	for i := range 4 {
		// Four sweeps, each run by two processes at once: a sweep file
		// that two jobs share, and sweeps that share only the database.
		text := fmt.Sprintf("name: race%d\nmethod: gradient_descent\ngrid: {alpha: [0.1, 0.2, 0.3], input: [1, %d], goal: 0.8, weight: 0.5}\n", i, i+2)
		name := fmt.Sprintf("race%d.yaml", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name, name)
	}
	for round := range 10 {
		db := fmt.Sprintf("round%d/new.db", round) // its directory is missing too
		var cmds []*exec.Cmd
		for _, f := range files {
			cmds = append(cmds, sweepCommand(dir, "run", "--db", db, "--jobs", "1", f))
		}
		runTogether(t, cmds...)
		path := filepath.Join(dir, db)
		for _, f := range everyOther(files) {
			text, _ := os.ReadFile(filepath.Join(dir, f))
			checkSweep(t, path, string(text))
		}
		conn, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		var sweeps, runs, distinct int
		err = conn.QueryRow(`SELECT (SELECT count(*) FROM sweeps), (SELECT count(*) FROM runs),
			(SELECT count(*) FROM (SELECT DISTINCT sweep_id, config_index FROM runs))`).Scan(&sweeps, &runs, &distinct)
		conn.Close()
		if err != nil {
			t.Fatal(err)
		}
		if sweeps != 4 || runs != 24 || distinct != 24 {
			t.Errorf("round %d: %d sweeps, %d runs (%d distinct configs); want 4 sweeps, 24 runs, each once", round, sweeps, runs, distinct)
		}
		if t.Failed() {
			return
		}
	}
}

func everyOther(s []string) []string {
	var out []string
	for i := 0; i < len(s); i += 2 {
		out = append(out, s[i])
	}
	return out
}
