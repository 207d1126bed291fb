package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	if got, want := pragma(t, st.db, "user_version"), strconv.Itoa(SchemaVersion()); got != want {
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
		{"a newer schema", newer, fmt.Sprintf("newer sweep (schema version 99; this binary knows up to %d)", SchemaVersion()), "newer sweep binary"},
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

// write stores results through the writer, as the pipeline does, keeping
// every trace row.
func write(t *testing.T, st *Store, sw *Sweep, results ...*runner.Result) {
	t.Helper()
	writeStorage(t, st, sw, grid.TraceAll, results...)
}

func writeStorage(t *testing.T, st *Store, sw *Sweep, storage grid.TraceStorage, results ...*runner.Result) {
	t.Helper()
	ch := make(chan []*Record, len(results))
	for _, r := range results {
		ch <- []*Record{NewRecord(r, storage)}
	}
	close(ch)
	var stored int64
	if err := st.Write(context.Background(), sw, ch, func(recs []*Record) { stored += int64(len(recs)) }); err != nil {
		t.Fatal(err)
	}
	if stored != int64(len(results)) {
		t.Errorf("progress reported %d stored, want %d", stored, len(results))
	}
}

// readTrace reads a run's trace from the trace view; a NULL (NaN) column
// reads as NaN.
func readTrace(t *testing.T, st *Store, runID int64) []runner.Row {
	t.Helper()
	rows, err := st.db.Query("SELECT step, weight, pred, error, delta, weight_delta FROM trace WHERE run_id = ? ORDER BY step", runID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []runner.Row
	for rows.Next() {
		var step int
		var c [5]sql.NullFloat64
		if err := rows.Scan(&step, &c[0], &c[1], &c[2], &c[3], &c[4]); err != nil {
			t.Fatal(err)
		}
		f := func(n sql.NullFloat64) float64 {
			if !n.Valid {
				return math.NaN()
			}
			return n.Float64
		}
		out = append(out, runner.Row{Step: step, Weight: f(c[0]), Pred: f(c[1]), Error: f(c[2]), Delta: f(c[3]), WeightDelta: f(c[4])})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sameRows(t *testing.T, got, want []runner.Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d trace rows, want %d", len(got), len(want))
	}
	bits := math.Float64bits
	for i := range want {
		g, w := got[i], want[i]
		for k, pair := range [][2]float64{{g.Weight, w.Weight}, {g.Pred, w.Pred}, {g.Error, w.Error}, {g.Delta, w.Delta}, {g.WeightDelta, w.WeightDelta}} {
			a, b := pair[0], pair[1]
			if math.IsNaN(b) && math.IsNaN(a) {
				continue
			}
			if b == 0 && a == 0 {
				continue // SQLite keeps no sign of zero; documented
			}
			if bits(a) != bits(b) {
				t.Errorf("step %d column %d = %v, want %v", w.Step, k, a, b)
			}
		}
		if g.Step != w.Step {
			t.Errorf("row %d has step %d, want %d", i, g.Step, w.Step)
		}
	}
}

// TestTraceRoundTrip checks that the trace view computes every column from
// the stored weight exactly as the learning rules do, bit for bit, for
// gradient descent and hot_cold, for extreme weights (infinities, the
// largest and smallest floats) and NaN (read back as NULL).
func TestTraceRoundTrip(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	for _, method := range []string{"gradient_descent", "hot_cold"} {
		rate := "alpha"
		if method == "hot_cold" {
			rate = "step_amount"
		}
		spec, err := grid.Parse("rt.yaml", []byte("method: "+method+"\niterations: 50\ngrid: {"+rate+": [1, 0.1], input: [0.5, 2, -3], goal: 0.8, weight: 0.5}\n"))
		if err != nil {
			t.Fatal(err)
		}
		sw, err := st.StartSweep(ctx, spec, "rt.yaml", "")
		if err != nil {
			t.Fatal(err)
		}
		var results []*runner.Result
		for c := range spec.Configs() {
			results = append(results, runner.Train(c))
		}
		// One made-up run whose weights are the floats that break things;
		// its other columns are what the rule computes from them.
		odd := runner.Train(spec.Config(2))
		odd.Trace = nil
		for i, w := range []float64{0.30000000000000004, 5e-324, math.MaxFloat64, -math.MaxFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 1e-300, 123456789012345680} {
			c := odd.Config
			pred := float64(c.Input * w)
			delta := pred - c.Goal
			row := runner.Row{Step: i, Weight: w, Pred: pred, Error: delta * delta, Delta: delta}
			if method == "hot_cold" {
				up, down := c.Goal-float64(c.Input*(w+c.Rate)), c.Goal-float64(c.Input*(w-c.Rate))
				switch {
				case down*down < up*up:
					row.WeightDelta = c.Rate
				case down*down > up*up:
					row.WeightDelta = -c.Rate
				}
			} else {
				row.WeightDelta = c.Input * delta
			}
			odd.Trace = append(odd.Trace, row)
		}
		results[2] = odd
		write(t, st, sw, results...)
		for i, r := range results {
			var runID int64
			if err := st.db.QueryRow("SELECT id FROM runs WHERE sweep_id = ? AND config_index = ?", sw.ID, i).Scan(&runID); err != nil {
				t.Fatal(err)
			}
			t.Run(fmt.Sprintf("%s config %d", method, i), func(t *testing.T) {
				sameRows(t, readTrace(t, st, runID), r.Trace)
			})
		}
	}
}

// TestTraceStorage checks every-Nth and no-trace storage: the rows kept,
// and that the summary columns of runs are there either way.
func TestTraceStorage(t *testing.T) {
	st := openTemp(t)
	ctx := context.Background()
	spec := testSpec(t)
	r := runner.Train(spec.Config(0)) // alpha 1, input 0.5: converges at step 38
	if len(r.Trace) != 39 {
		t.Fatalf("test run has %d rows, want 39", len(r.Trace))
	}
	for _, tt := range []struct {
		storage grid.TraceStorage
		steps   []int
	}{
		{grid.TraceNone, nil},
		{grid.TraceStorage{Every: 10}, []int{0, 10, 20, 30, 38}},
		{grid.TraceStorage{Every: 19}, []int{0, 19, 38}},
		{grid.TraceStorage{Every: 100}, []int{0, 38}},
	} {
		t.Run(tt.storage.String(), func(t *testing.T) {
			spec.Trace = tt.storage
			sw, err := st.StartSweep(ctx, spec, "store.yaml", "")
			if err != nil {
				t.Fatal(err)
			}
			writeStorage(t, st, sw, tt.storage, r)
			var runID, steps int64
			var every int
			if err := st.db.QueryRow("SELECT runs.id, steps, trace_every FROM runs JOIN sweeps ON sweeps.id = sweep_id WHERE sweep_id = ?", sw.ID).Scan(&runID, &steps, &every); err != nil {
				t.Fatal(err)
			}
			if steps != 39 || every != tt.storage.Every {
				t.Errorf("steps %d, trace_every %d; want 39, %d", steps, every, tt.storage.Every)
			}
			var want []runner.Row
			for _, s := range tt.steps {
				want = append(want, r.Trace[s])
			}
			sameRows(t, readTrace(t, st, runID), want)
		})
	}
}

func TestResumeAndDuplicates(t *testing.T) {
	st := openTemp(t)
	spec := testSpec(t)
	ctx := context.Background()
	sw, err := st.StartSweep(ctx, spec, "store.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if sw.Stored != 0 || sw.Configs != 4 {
		t.Fatalf("new sweep: stored %d of %d, want 0 of 4", sw.Stored, sw.Configs)
	}
	// The summary counts each rate's runs: a rate with nothing stored is
	// left out, one with part of its runs counts those.
	write(t, st, sw, runner.Train(spec.Config(3)))
	sum, err := st.SummarizeRates(ctx, sw, spec.Axes[0].Values, 20, 5)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Stored != 1 || sum.Rates != 1 || len(sum.Head) != 1 || len(sum.Tail) != 0 || sum.Head[0].Rate != 0.1 ||
		sum.Head[0].Counts != [runner.NumVerdicts]int64{1, 0, 0, 0, 0} {
		t.Fatalf("summary with config 3 stored = %+v, want alpha 0.1: 1 converged", sum)
	}
	if _, err := st.db.Exec("DELETE FROM trace_weights WHERE run_id = ?1; DELETE FROM runs WHERE id = ?1", sw.FirstRunID+3); err != nil {
		t.Fatal(err)
	}
	write(t, st, sw, runner.Train(spec.Config(0)), runner.Train(spec.Config(2)))
	if err := st.FinishSweep(ctx, sw.ID, StatusInterrupted, 0, sw.Configs); err != nil {
		t.Fatal(err)
	}
	if got, want := status(t, st, sw.ID), StatusInterrupted; got != want {
		t.Errorf("status = %s, want %s", got, want)
	}

	again, err := st.StartSweep(ctx, spec, "store.yaml", "")
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
	write(t, st, sw, runner.Train(spec.Config(0)), runner.Train(spec.Config(1)), runner.Train(spec.Config(3)))
	var runs, traceRows, wantRows int64
	st.db.QueryRow("SELECT count(*), sum(steps) FROM runs").Scan(&runs, &wantRows)
	st.db.QueryRow("SELECT count(*) FROM trace").Scan(&traceRows)
	if runs != 4 || traceRows != wantRows {
		t.Errorf("%d runs with %d trace rows, want 4 runs with %d", runs, traceRows, wantRows)
	}
	if err := st.FinishSweep(ctx, sw.ID, StatusInterrupted, 0, sw.Configs); err != nil {
		t.Fatal(err)
	}
	if got, want := status(t, st, sw.ID), StatusDone; got != want {
		t.Errorf("status = %s once every config is stored, want %s", got, want)
	}
	if sum, err = st.SummarizeRates(ctx, sw, spec.Axes[0].Values, 20, 5); err != nil {
		t.Fatal(err)
	}
	counts := sum.Head
	if sum.Stored != 4 || sum.Rates != 2 || len(counts) != 2 || counts[0].Rate != 1 || counts[1].Rate != 0.1 {
		t.Fatalf("summary = %+v", sum)
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
		"INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, started_at, status) VALUES ('old', 'f', 'hot_cold', 'old.yaml', '', 3, 1, 1, '2026-01-01T00:00:00.000Z', 'done')"); err != nil {
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
