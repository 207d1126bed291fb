package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"sweep/internal/runner"
)

// filledStore returns the path of a closed database holding one small sweep.
func filledStore(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sweep.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	spec := testSpec(t)
	sw, err := st.StartSweep(context.Background(), spec, "store.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	var results []*runner.Result
	for c := range spec.Configs() {
		results = append(results, runner.Train(c))
	}
	write(t, st, sw, results...)
	st.FinishSweep(context.Background(), sw.ID, StatusDone, 0, sw.Configs)
	st.Close()
	return path
}

func TestReaderReads(t *testing.T) {
	r, err := OpenReader(context.Background(), filledStore(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, q := range []string{
		"SELECT count(*) FROM runs",
		"WITH x AS (SELECT 1) SELECT * FROM x",
		"SELECT * FROM safe_alpha",
		"PRAGMA user_version",
		"PRAGMA table_info(runs)",
		"SELECT * FROM pragma_table_info('trace')",
		"EXPLAIN QUERY PLAN SELECT * FROM trace WHERE run_id = 1",
		"SELECT count(*) FROM runs;",
	} {
		rows, err := r.Query(context.Background(), q)
		if err != nil {
			t.Errorf("%s: %v", q, err)
			continue
		}
		if !rows.Next() {
			t.Errorf("%s: no rows", q)
		}
		rows.Close()
	}
}

// TestReaderRefusesWrites checks that every kind of write is refused with a
// WriteError that names it, and that the file is byte for byte unchanged.
func TestReaderRefusesWrites(t *testing.T) {
	path := filledStore(t)
	before, _ := os.ReadFile(path)
	r, err := OpenReader(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	attached := filepath.Join(t.TempDir(), "other.db")
	for _, tt := range []struct{ query, action string }{
		{"DELETE FROM trace_weights", "DELETE on trace_weights"},
		{"UPDATE runs SET verdict = 'converged'", "UPDATE on runs"},
		{"INSERT INTO sweeps (name) VALUES ('x')", "INSERT on sweeps"},
		{"DROP TABLE trace", "DROP TABLE"},
		{"DROP VIEW safe_alpha", "DROP VIEW"},
		{"CREATE TABLE t (x)", "CREATE TABLE"},
		{"create temp table t (x)", "CREATE TEMP"},
		{"CREATE INDEX i ON runs (alpha)", "CREATE INDEX"},
		{"ALTER TABLE runs ADD COLUMN x", "ALTER TABLE on main"},
		{"ATTACH '" + attached + "' AS other", "ATTACH " + attached},
		{"PRAGMA user_version = 7", "PRAGMA user_version = 7"},
		{"PRAGMA journal_mode = DELETE", "PRAGMA journal_mode = DELETE"},
		{"BEGIN", "a transaction"},
		{"REINDEX", "REINDEX"},
		{"ANALYZE", "ANALYZE"},
		{"WITH x AS (SELECT 1) DELETE FROM runs", "DELETE on runs"},
		{"/* tidy */ vacuum", "VACUUM"},
		{"VACUUM INTO '" + attached + "'", "VACUUM"},
	} {
		rows, err := r.Query(context.Background(), tt.query)
		var we *WriteError
		if !errors.As(err, &we) {
			if rows != nil {
				rows.Close()
			}
			t.Errorf("%s: err = %v, want a WriteError", tt.query, err)
			continue
		}
		if we.Action != tt.action {
			t.Errorf("%s: refused as %q, want %q", tt.query, we.Action, tt.action)
		}
	}
	if _, err := os.Stat(attached); err == nil {
		t.Errorf("a file was created at %s", attached)
	}
	r.Close()
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("the database changed")
	}
}

func TestReaderStatementCount(t *testing.T) {
	r, err := OpenReader(context.Background(), filledStore(t))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, q := range []string{"SELECT 1; DELETE FROM runs", "", "-- nothing"} {
		_, err := r.Query(context.Background(), q)
		var ce *StatementCountError
		if !errors.As(err, &ce) {
			t.Errorf("%q: err = %v, want a StatementCountError", q, err)
		}
	}
	var n int
	rows, _ := r.Query(context.Background(), "SELECT count(*) FROM runs")
	rows.Next()
	rows.Scan(&n)
	rows.Close()
	if n != 4 {
		t.Errorf("runs = %d after the refused statements, want 4", n)
	}
}

func TestOpenReaderMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.db")
	_, err := OpenReader(context.Background(), path)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Msg != "no such database" {
		t.Fatalf("OpenReader = %v, want no such database", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("OpenReader created %s", path)
	}
}
