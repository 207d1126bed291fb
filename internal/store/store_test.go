package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "sweep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := db.QueryRow("PRAGMA " + name).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenCreates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "sweep.db")
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, want := pragma(t, st.db, "application_id"), "1398228304"; got != want {
		t.Errorf("application_id = %s, want %s", got, want)
	}
	if got, want := pragma(t, st.db, "user_version"), "2"; got != want {
		t.Errorf("user_version = %s, want %s", got, want)
	}
	if got, want := pragma(t, st.db, "journal_mode"), "wal"; got != want {
		t.Errorf("journal_mode = %s, want %s", got, want)
	}
	st.Close()
	// Opening again migrates nothing and keeps the data.
	st2, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	st2.Close()
}

// TestOpenRefuses checks that files that are not sweep databases are refused
// with a FileError and left byte for byte as they were.
func TestOpenRefuses(t *testing.T) {
	dir := t.TempDir()
	otherApp := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", otherApp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	newer := filepath.Join(dir, "newer.db")
	st, err := Open(context.Background(), newer)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.db.Exec("PRAGMA user_version = 99; PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("not a database\n", 100)), 0o644)

	tests := []struct {
		name, path, msg, hint string
	}{
		{"a directory", dir, "is a directory", "file name"},
		{"a text file", text, "is not an SQLite database", "new file name"},
		{"another application's database", otherApp, "another application", "new file name"},
		{"a newer schema", newer, "newer sweep (schema version 99; this binary knows up to 2)", "newer sweep binary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, dir)
			_, err := Open(context.Background(), tt.path)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Open = %v, want a *FileError", err)
			}
			if !strings.Contains(fe.Msg, tt.msg) || !strings.Contains(fe.Hint, tt.hint) {
				t.Errorf("error %q (hint %q), want %q (hint %q)", fe.Msg, fe.Hint, tt.msg, tt.hint)
			}
			if after := snapshot(t, dir); !equalSnapshots(before, after) {
				t.Errorf("the directory changed: before %v, after %v", keys(before), keys(after))
			}
		})
	}
}

func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !e.IsDir() {
			files[e.Name()], _ = os.ReadFile(filepath.Join(dir, e.Name()))
		}
	}
	return files
}

func equalSnapshots(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

func keys(m map[string][]byte) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func testSpec(t *testing.T) *grid.Spec {
	t.Helper()
	spec, err := grid.Parse("store.yaml", []byte(`
method: gradient_descent
iterations: 50
grid:
  alpha: [1, 0.1]
  input: [0.5, 2]
  goal: 0.8
  weight: 0.5
`))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// write stores results through the writer, as the pipeline does.
func write(t *testing.T, st *Store, sweepID int64, results ...*runner.Result) {
	t.Helper()
	ch := make(chan *runner.Result, len(results))
	for _, r := range results {
		ch <- r
	}
	close(ch)
	var stored int64
	if err := st.Write(context.Background(), sweepID, ch, func(n int64) { stored = n }); err != nil {
		t.Fatal(err)
	}
	if stored != int64(len(results)) {
		t.Errorf("progress reported %d stored, want %d", stored, len(results))
	}
}

// TestTraceRoundTrip checks that every float comes back with the same bits,
// infinities included, and that NaN comes back as NULL.
func TestTraceRoundTrip(t *testing.T) {
	st := openTemp(t)
	spec := testSpec(t)
	sw, err := st.StartSweep(context.Background(), spec, "store.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := runner.Train(spec.Config(1)) // alpha 1, input 2: diverges
	odd := []float64{math.Inf(1), math.Inf(-1), math.NaN(), 5e-324, math.MaxFloat64, 0.30000000000000004, 1e-300}
	r.Trace = append(r.Trace, runner.Row{Step: len(r.Trace), Weight: odd[0], Pred: odd[1], Error: odd[2], Delta: odd[3], WeightDelta: odd[4]})
	r.Trace = append(r.Trace, runner.Row{Step: len(r.Trace), Weight: odd[5], Pred: odd[6], Error: 0, Delta: -1, WeightDelta: 1})
	write(t, st, sw.ID, r)

	var runID, steps int64
	var verdict string
	var finalWeight, finalError sql.NullFloat64
	err = st.db.QueryRow("SELECT id, verdict, steps, final_weight, final_error FROM runs").Scan(&runID, &verdict, &steps, &finalWeight, &finalError)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := steps, int64(len(r.Trace)); got != want {
		t.Errorf("steps = %d, want %d", got, want)
	}
	if got, want := verdict, "diverged"; got != want {
		t.Errorf("verdict = %s, want %s", got, want)
	}
	rows, err := st.db.Query("SELECT step, weight, pred, error, delta, weight_delta FROM trace WHERE run_id = ? ORDER BY step", runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	i := 0
	for ; rows.Next(); i++ {
		var step int
		var cols [5]sql.NullFloat64
		if err := rows.Scan(&step, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4]); err != nil {
			t.Fatal(err)
		}
		want := r.Trace[i]
		for k, w := range []float64{want.Weight, want.Pred, want.Error, want.Delta, want.WeightDelta} {
			got := cols[k]
			switch {
			case math.IsNaN(w):
				if got.Valid {
					t.Errorf("row %d column %d: NaN stored as %v, want NULL", i, k, got.Float64)
				}
			case !got.Valid || math.Float64bits(got.Float64) != math.Float64bits(w):
				t.Errorf("row %d column %d = %v (valid %v), want %v", i, k, got.Float64, got.Valid, w)
			}
		}
	}
	if i != len(r.Trace) {
		t.Errorf("read %d trace rows, want %d", i, len(r.Trace))
	}
}

func TestResumeAndDuplicates(t *testing.T) {
	st := openTemp(t)
	spec := testSpec(t)
	ctx := context.Background()
	sw, err := st.StartSweep(ctx, spec, "store.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if sw.Stored != 0 || sw.Configs != 4 {
		t.Fatalf("new sweep: stored %d of %d, want 0 of 4", sw.Stored, sw.Configs)
	}
	write(t, st, sw.ID, runner.Train(spec.Config(0)), runner.Train(spec.Config(2)))
	if err := st.FinishSweep(ctx, sw.ID, StatusInterrupted); err != nil {
		t.Fatal(err)
	}
	if got, want := status(t, st, sw.ID), StatusInterrupted; got != want {
		t.Errorf("status = %s, want %s", got, want)
	}

	again, err := st.StartSweep(ctx, spec, "store.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != sw.ID {
		t.Errorf("same sweep file got a new sweep id %d, want %d", again.ID, sw.ID)
	}
	if got, want := again.Stored, int64(2); got != want {
		t.Errorf("stored = %d, want %d", got, want)
	}
	for i, want := range []bool{true, false, true, false} {
		if got := again.Done(int64(i)); got != want {
			t.Errorf("Done(%d) = %v, want %v", i, got, want)
		}
	}
	// A config stored twice (another process got there first) is skipped
	// whole: no second run row, no doubled trace.
	write(t, st, sw.ID, runner.Train(spec.Config(0)), runner.Train(spec.Config(1)), runner.Train(spec.Config(3)))
	var runs, traceRows, wantRows int64
	st.db.QueryRow("SELECT count(*), sum(steps) FROM runs").Scan(&runs, &wantRows)
	st.db.QueryRow("SELECT count(*) FROM trace").Scan(&traceRows)
	if runs != 4 || traceRows != wantRows {
		t.Errorf("%d runs with %d trace rows, want 4 runs with %d", runs, traceRows, wantRows)
	}
	if err := st.FinishSweep(ctx, sw.ID, StatusInterrupted); err != nil {
		t.Fatal(err)
	}
	if got, want := status(t, st, sw.ID), StatusDone; got != want {
		t.Errorf("status = %s once every config is stored, want %s", got, want)
	}
	counts, total, err := st.Summary(ctx, sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	if total != 4 || len(counts) != 2 || counts[0].Rate != 1 || counts[1].Rate != 0.1 {
		t.Fatalf("Summary = %+v (total %d)", counts, total)
	}
	// alpha 1: input 0.5 converges (r = 0.75), input 2 diverges (r = -3);
	// alpha 0.1: input 0.5 is unfinished after 50 steps (r = 0.975),
	// input 2 converges (r = 0.6).
	want := [][runner.NumVerdicts]int64{{1, 1, 0, 0, 0}, {1, 0, 0, 0, 1}}
	for i := range counts {
		if counts[i].Counts != want[i] {
			t.Errorf("counts at alpha %v = %v, want %v", counts[i].Rate, counts[i].Counts, want[i])
		}
	}
}

func status(t *testing.T, st *Store, id int64) string {
	t.Helper()
	var s string
	if err := st.db.QueryRow("SELECT status FROM sweeps WHERE id = ?", id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMigrateFromVersion1 opens a database made by the first schema and
// checks that it is brought up to date with its data kept.
func TestMigrateFromVersion1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	v1 := migrations()[0]
	if v1.version != 1 {
		t.Fatalf("first migration is version %d", v1.version)
	}
	if _, err := db.Exec(v1.sql + "; PRAGMA user_version = 1; PRAGMA application_id = 1398228304;" +
		"INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, started_at, status) VALUES ('old', 'f', 'hot_cold', 'old.yaml', '', 3, '2026-01-01T00:00:00.000Z', 'done')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if got, want := pragma(t, st.db, "user_version"), strconv.Itoa(SchemaVersion()); got != want {
		t.Errorf("user_version = %s, want %s", got, want)
	}
	var name string
	var stored int
	if err := st.db.QueryRow("SELECT name, stored FROM sweep_overview").Scan(&name, &stored); err != nil {
		t.Fatalf("the views of version 2 are missing: %v", err)
	}
	if name != "old" || stored != 0 {
		t.Errorf("sweep_overview = %q, %d; want old, 0", name, stored)
	}
}
