package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strings"
	"sweep/internal/grid"
	"testing"

	"sweep/internal/runner"
)

// dumpTables returns every row of every table of db, each table's rows in
// the order of all its columns, as text: the whole content of a database.
func dumpTables(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]string{}
	for _, table := range tables {
		var ncols int
		if err := db.QueryRow("SELECT count(*) FROM pragma_table_info(?)", table).Scan(&ncols); err != nil {
			t.Fatal(err)
		}
		order := make([]string, ncols)
		for i := range order {
			order[i] = fmt.Sprint(i + 1)
		}
		rows, err := db.Query("SELECT * FROM " + table + " ORDER BY " + strings.Join(order, ", "))
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		vals := make([]any, ncols)
		ptrs := make([]any, ncols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%#v\n", vals)
			n++
		}
		rows.Close()
		if n == 0 {
			t.Errorf("table %s of the source is empty: the test must fill every table", table)
		}
		out[table] = b.String()
	}
	return out
}

// TestMergeCarriesEveryTable fills every table of a database (a sweep, its
// refinement with probes and edges, a refinement without probes) and
// merges it into an empty one: every table, every column, row for row, is
// the same. A table or column added to the schema and forgotten by Merge
// fails here.
func TestMergeCarriesEveryTable(t *testing.T) {
	ctx := context.Background()
	src := openTemp(t)
	spec := testSpec(t)
	sw, err := src.StartSweep(ctx, spec, "store.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	var results []*runner.Result
	for i := range spec.Len() {
		results = append(results, runner.Train(spec.Config(i)))
	}
	write(t, src, sw, results...)
	if err := src.FinishSweep(ctx, sw.ID, StatusDone, 0, spec.Len()); err != nil {
		t.Fatal(err)
	}
	g, err := src.LoadSweep(ctx, sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := src.StartRefinement(ctx, g, string(spec.Method), 1, 1e-3, 2)
	if err != nil {
		t.Fatal(err)
	}
	p, q := spec.Config(0), spec.Config(1)
	p.Index, p.Rate, q.Index, q.Rate = 0, 0.3, 1, 0.4
	write(t, src, ref, runner.Train(p), runner.Train(q))
	if err := src.FinishSweep(ctx, ref.ID, StatusDone, 0, 2); err != nil {
		t.Fatal(err)
	}
	empty, err := src.StartRefinement(ctx, g, string(spec.Method), 1, 1e-2, 0) // found nothing to probe
	if err != nil {
		t.Fatal(err)
	}
	if err := src.FinishSweep(ctx, empty.ID, StatusDone, 0, 0); err != nil {
		t.Fatal(err)
	}
	err = src.SaveBoundaries(ctx, sw.ID, 1e-3, []BoundaryRow{
		{Input: 2, Goal: 0.8, Weight: 0.5, Limits: grid.Limits{Iterations: 1000, Tolerance: 1e-10, Divergence: 1e12}, Edge: "converge", Found: true, Value: 0.3, Lower: 0.3, Upper: 0.4, Probes: 2},
		{Input: 0.5, Goal: 0.8, Weight: 0.5, Limits: grid.Limits{Iterations: 1000, Tolerance: 1e-10, Divergence: 1e12}, Edge: "diverge"},
	})
	if err != nil {
		t.Fatal(err)
	}
	writeProgramSweep(t, src)
	want := dumpTables(t, src.db)

	out := openTemp(t)
	for range 2 { // merging twice adds nothing
		if _, err := out.Merge(ctx, src.Path()); err != nil {
			t.Fatal(err)
		}
		got := dumpTables(t, out.db)
		for table := range want {
			if got[table] != want[table] {
				t.Errorf("table %s after the merge:\n%s\nwant:\n%s", table, got[table], want[table])
			}
		}
	}
}

// writeProgramSweep stores a sweep of method command with two runs: one
// that converged, with its trace (values, a NULL, metrics) and params,
// and one that failed.
func writeProgramSweep(t *testing.T, st *Store) *Sweep {
	t.Helper()
	ctx := context.Background()
	spec, err := grid.Parse("program.yaml", []byte(`method: command
command: [./prog, "{lr}", "{momentum}"]
rate: lr
grid: {lr: [1, 0.1], momentum: 0.9}
`))
	if err != nil {
		t.Fatal(err)
	}
	spec.Program.Hash = "0123abcd"
	sw, err := st.StartSweep(ctx, spec, "program.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	ok := &Record{Config: spec.Config(0), Verdict: runner.Converged, Steps: 2, FinalWeight: math.NaN(), FinalError: 1e-13,
		Weights: `[[1,null,0.8,1e-13,null,null]]`, Chunk: 1, Params: `{"momentum":0.9}`}
	first := ProgramChunk(spec.Config(0), 0, `[[0,null,0.25,0.5,null,null,{"loss":0.5}]]`)
	failed := &Record{Config: spec.Config(1), Verdict: runner.Failed, Steps: 0, FinalWeight: math.NaN(), FinalError: math.NaN(),
		Params: `{"momentum":0.9}`, Failure: &Failure{Reason: "exit status 3", Stderr: "Traceback ...\nValueError\n"}}
	ch := make(chan []*Record, 1)
	ch <- []*Record{first, ok, failed}
	close(ch)
	if err := st.Write(ctx, sw, ch, nil); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishSweep(ctx, sw.ID, StatusDone, 0, spec.Len()); err != nil {
		t.Fatal(err)
	}
	// An edge of a program without input, goal or weight: NULLs in the
	// key of boundaries, which merging twice must not double.
	nan := math.NaN()
	err = st.SaveBoundaries(ctx, sw.ID, 1e-3, []BoundaryRow{{Input: nan, Goal: nan, Weight: nan, Params: `{"momentum":0.9}`,
		Limits: spec.Limits, Edge: "converge", Found: true, Value: 0.5, Lower: 0.5, Upper: 0.5004, Probes: 3}})
	if err != nil {
		t.Fatal(err)
	}
	return sw
}
