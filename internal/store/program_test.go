package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sweep/internal/command"
	"sweep/internal/grid"
	"sweep/internal/runner"
)

// A program's runs read through the views as the built-ins' do: the trace
// view gives the rows it printed (NULL where it printed none), trace_metrics
// its other numbers, failures why a run failed, and the counts and safe
// rates count failed and keep its other axes (params) apart.
func TestProgramRunsInViews(t *testing.T) {
	st := openTemp(t)
	writeProgramSweep(t, st)
	for _, tt := range []struct{ query, want string }{
		{"SELECT run_id, step, weight, pred, error, delta, weight_delta FROM trace ORDER BY run_id, step",
			"1|0|NULL|0.25|0.5|NULL|NULL\n1|1|NULL|0.8|1e-13|NULL|NULL"},
		{"SELECT typeof(step), typeof(pred), typeof(error) FROM trace LIMIT 1", "integer|real|real"},
		{"SELECT run_id, step, name, value FROM trace_metrics", "1|0|loss|0.5"},
		{"SELECT run_id, sweep, alpha, input, params, steps, reason, stderr FROM failures",
			"2|program|0.1|NULL|{\"momentum\":0.9}|0|exit status 3|Traceback ...\nValueError\n"},
		{"SELECT alpha, configs, converged, failed FROM verdict_counts ORDER BY alpha", "0.1|1|0|1\n1|1|1|0"},
		{"SELECT input, largest_safe_alpha, smallest_unsafe_alpha, theory_largest_alpha, params FROM safe_alpha",
			"NULL|1|NULL|NULL|{\"momentum\":0.9}"},
		{"SELECT json_extract(params, '$.momentum'), typeof(json_extract(params, '$.momentum')) FROM runs LIMIT 1", "0.9|real"},
		{"SELECT method, configs, stored, converged, failed FROM sweep_overview", "command|2|2|1|1"},
		{"SELECT rate_axis, program_hash FROM sweeps", "lr|0123abcd"},
		{"SELECT input IS NULL, goal IS NULL, weight IS NULL, method FROM runs LIMIT 1", "1|1|1|command"},
		{"SELECT sweep, input, edge, n, edges, change, value, theory, params FROM boundary", "program|NULL|converge|0|1|stops|0.5|NULL|{\"momentum\":0.9}"},
	} {
		if got := queryText(t, st, tt.query); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.query, got, tt.want)
		}
	}
}

// queryText runs query and returns its rows as lines of |-separated
// values, NULL for NULL, as the sqlite3 shell prints them.
func queryText(t *testing.T, st *Store, query string) string {
	t.Helper()
	rows, err := st.db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, v := range vals {
			switch v := v.(type) {
			case nil:
				fields = append(fields, "NULL")
			case []byte:
				fields = append(fields, string(v))
			case float64:
				fields = append(fields, strconv.FormatFloat(v, 'g', -1, 64))
			default:
				fields = append(fields, fmt.Sprint(v))
			}
		}
		lines = append(lines, strings.Join(fields, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// A database of built-in sweeps downgraded to every older schema reads
// as it was written: a reader gets the newer columns (NULL) and tables
// (empty), and every view answers as on the current schema; a writer
// upgrades it back.
func TestEverySchemaReads(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	spec := testSpec(t)
	sw, err := st.StartSweep(ctx, spec, "store.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range spec.Len() {
		write(t, st, sw, runner.Train(spec.Config(i)))
	}
	if err := st.FinishSweep(ctx, sw.ID, StatusDone, 0, spec.Len()); err != nil {
		t.Fatal(err)
	}
	const views = `SELECT (SELECT count(*) || ',' || sum(steps) FROM runs), (SELECT count(*) FROM trace), (SELECT sum(converged) FROM verdict_counts),
		(SELECT count(*) FROM safe_alpha WHERE params IS NULL), (SELECT count(*) FROM sweep_overview WHERE failed = 0),
		(SELECT count(*) FROM trace_values) + (SELECT count(*) FROM run_failures) + (SELECT count(*) FROM failures) + (SELECT count(*) FROM trace_metrics),
		(SELECT count(*) FROM runs WHERE params IS NULL AND trace_run IS NULL), (SELECT count(*) FROM sweeps WHERE rate_axis IS NULL),
		(SELECT count(*) || ',' || sum(step) FROM first_overshoot)`
	read := func(path string) string {
		t.Helper()
		r, err := OpenReader(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		rows, err := r.Query(ctx, views)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			vals := make([]any, 9)
			ptrs := make([]any, 9)
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var fields []string
			for _, v := range vals {
				fields = append(fields, fmt.Sprint(v))
			}
			out = append(out, strings.Join(fields, "|"))
		}
		return strings.Join(out, "\n")
	}
	st.Close()
	data, err := os.ReadFile(st.Path())
	if err != nil {
		t.Fatal(err)
	}
	want := read(st.Path())
	if want != "4,126|126|2|2|1|0|4|1|1,1" {
		t.Fatalf("the current schema reads %q", want)
	}
	for v := 1; v < SchemaVersion(); v++ {
		path := filepath.Join(t.TempDir(), "old.db")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := Downgrade(ctx, path, v); err != nil {
			t.Fatalf("downgrade to %d: %v", v, err)
		}
		if got := read(path); got != want {
			t.Errorf("schema %d reads\n%s\nwant\n%s", v, got, want)
		}
		up, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("upgrade from %d: %v", v, err)
		}
		up.Close()
		if got := read(path); got != want {
			t.Errorf("schema %d upgraded reads\n%s\nwant\n%s", v, got, want)
		}
		if err := CheckAnswers(ctx, path); err != nil {
			t.Errorf("schema %d upgraded: %v", v, err)
		}
	}
}

// A program's trace reaches the database in chunks, never whole: 10,000
// rows go as chunks of 4,096 rows and the run's own record last, and the
// trace view reads them back in full. An attempt killed before its run was
// stored leaves chunks that no view shows, which the run's next attempt
// replaces; chunks of a run stored already are dropped.
func TestProgramTraceChunks(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	spec, err := grid.Parse("program.yaml", []byte("method: command\ncommand: [./prog]\nrate: lr\niterations: 100000\ngrid: {lr: [1, 0.1]}\n"))
	if err != nil {
		t.Fatal(err)
	}
	sw, err := st.StartSweep(ctx, spec, "program.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	rows := func(from, n int, errorValue float64) []command.Row {
		out := make([]command.Row, n)
		for i := range out {
			out[i] = command.Row{Step: from + i, Error: errorValue, Weight: float64(from + i), Has: command.HasWeight}
		}
		return out
	}
	// write runs the program's run of config c as runPrograms does, the
	// chunks going to the writer as they fill; stored says whether the
	// run itself is stored (false: killed before).
	write := func(c grid.Config, steps int, errorValue float64, stored bool) {
		t.Helper()
		ch := make(chan []*Record, 16)
		var trace ProgramTrace
		sent := 0
		trace.Start(func(chunk int, text string) error {
			if chunk != sent {
				t.Errorf("chunk %d sent as %d", sent, chunk)
			}
			sent++
			ch <- []*Record{ProgramChunk(c, chunk, text)}
			return nil
		})
		for from := 0; from < steps; from += 1000 {
			trace.Add(rows(from, min(1000, steps-from), errorValue))
		}
		chunk, text, err := trace.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if stored {
			out := command.Outcome{Steps: steps, Verdict: runner.Unfinished, Last: rows(steps-1, 1, errorValue)[0]}
			ch <- []*Record{ProgramRecord(spec, c, out, chunk, text)}
		}
		close(ch)
		if err := st.Write(ctx, sw, ch, nil); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what, query, want string) {
		t.Helper()
		if got := queryText(t, st, query); got != want {
			t.Errorf("%s: %s = %q, want %q", what, query, got, want)
		}
	}
	write(spec.Config(0), 10000, 0.5, true)
	check("10,000 rows", "SELECT count(*), min(step), max(step), count(DISTINCT step), sum(weight = step) FROM trace WHERE run_id = 1", "10000|0|9999|10000|10000")
	check("in chunks", "SELECT group_concat(chunk || ':' || json_array_length(rows), ' ') FROM (SELECT * FROM trace_values WHERE run_id = 1 ORDER BY chunk)", "0:4096 1:4096 2:1808")

	write(spec.Config(1), 9000, 0.25, false) // killed: its chunks refer to no run
	check("a killed attempt's chunks", "SELECT count(*) FROM trace_values WHERE run_id = 2", "2")
	check("shown by no view", "SELECT count(*) FROM trace WHERE run_id = 2", "0")
	write(spec.Config(1), 100, 0.125, true) // its next attempt, shorter
	check("the next attempt", "SELECT count(*), max(step), min(error), max(error) FROM trace WHERE run_id = 2", "100|99|0.125|0.125")
	check("alone", "SELECT count(*) FROM trace_values WHERE run_id = 2", "1")

	write(spec.Config(1), 5000, 1, true) // stored already (by another process, say): dropped
	check("a run stored already", "SELECT count(*), max(error) FROM trace WHERE run_id = 2", "100|0.125")
	check("one row per run", "SELECT count(*) FROM runs", "2")
}
