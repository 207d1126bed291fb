package store

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// definitions are the facts of runs as their definitions in SQL over the
// full trace, one column each, by run id.
const definitions = `
WITH t AS (SELECT run_id, step, error, delta * lag(delta) OVER (PARTITION BY run_id ORDER BY step) < 0 AS flips FROM trace)
SELECT r.id,
       (SELECT min(step) FROM t WHERE t.run_id = r.id AND flips) IS r.overshoot_step,
       (SELECT count(*) FROM t WHERE t.run_id = r.id AND flips) IS r.sign_changes,
       (SELECT min(error) FROM t WHERE t.run_id = r.id) IS r.min_error,
       (SELECT min(step) FROM t WHERE t.run_id = r.id AND error = (SELECT min(error) FROM t WHERE t.run_id = r.id)) IS r.min_error_step,
       (SELECT min(step) FROM t WHERE t.run_id = r.id AND error < r.tolerance * 1e9) IS r.step_below_1e9_tol,
       (SELECT min(step) FROM t WHERE t.run_id = r.id AND error < r.tolerance * 1e6) IS r.step_below_1e6_tol,
       (SELECT min(step) FROM t WHERE t.run_id = r.id AND error < r.tolerance * 1e3) IS r.step_below_1e3_tol
FROM runs r WHERE r.sweep_id = ?`

// randomSpec is a sweep of a rule over random values of every axis.
func randomSpec(t *testing.T, rng *rand.Rand, method string, n int) *grid.Spec {
	t.Helper()
	values := func(n int, draw func() float64) string {
		var v []string
		for range n {
			v = append(v, fmt.Sprint(draw()))
		}
		return "[" + strings.Join(v, ", ") + "]"
	}
	rate := func() float64 { return math.Pow(10, -4+5*rng.Float64()) }
	if method == "hot_cold" {
		rate = func() float64 { return math.Pow(10, -3+3*rng.Float64()) }
	}
	text := fmt.Sprintf(`method: %s
iterations: %d
tolerance: %g
divergence: 1e12
grid:
  %s: %s
  input: %s
  goal: %s
  weight: %s
`, method, 300+rng.IntN(700), math.Pow(10, -12+8*rng.Float64()), map[string]string{"hot_cold": "step_amount"}[method]+
		map[string]string{"gradient_descent": "alpha"}[method], values(n, rate),
		values(4, func() float64 { return -3 + 6*rng.Float64() }), values(3, func() float64 { return -1 + 3*rng.Float64() }),
		values(2, func() float64 { return -1 + 3*rng.Float64() }))
	spec, err := grid.Parse("random.yaml", []byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return spec
}

// Each fact stored with a run equals its definition in SQL over the run's
// full trace, on random configs of both rules; and a sweep that keeps no
// trace, or every 7th row, stores the same facts (the workers' Trainer
// computes them from every row, kept or not).
func TestFactsMatchTheirDefinitions(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(15, 8))
	st := openTemp(t)
	for _, method := range []string{"gradient_descent", "hot_cold"} {
		spec := randomSpec(t, rng, method, 10)
		full, err := st.StartSweep(ctx, spec, "random.yaml", "")
		if err != nil {
			t.Fatal(err)
		}
		var results []*runner.Result
		for i := range spec.Len() {
			results = append(results, runner.Train(spec.Config(i)))
		}
		write(t, st, full, results...)
		rows, err := st.db.QueryContext(ctx, definitions, full.ID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var id int64
			var ok [7]bool
			if err := rows.Scan(&id, &ok[0], &ok[1], &ok[2], &ok[3], &ok[4], &ok[5], &ok[6]); err != nil {
				t.Fatal(err)
			}
			for k, col := range strings.Split(factColumns, ", ") {
				if !ok[k] {
					t.Errorf("%s: run %d: %s is not its definition over the trace", method, id, col)
				}
			}
			n++
		}
		rows.Close()
		if n != int(spec.Len()) {
			t.Fatalf("%s: checked %d runs of %d", method, n, spec.Len())
		}
		// The sample must hold every kind of answer, or the check is weak.
		var kinds bool
		st.db.QueryRow(`SELECT count(overshoot_step) BETWEEN 1 AND count(*) - 1 AND count(step_below_1e3_tol) BETWEEN 1 AND count(*) - 1
			FROM runs WHERE sweep_id = ?`, full.ID).Scan(&kinds)
		if !kinds {
			t.Errorf("%s: the random configs lack runs with or without an overshoot, or with or without a thousand times the tolerance crossed", method)
		}

		for _, every := range []int{0, 7} {
			spec.Name = fmt.Sprintf("%s every %d", method, every)
			sw, err := st.StartSweep(ctx, spec, "random.yaml", "")
			if err != nil {
				t.Fatal(err)
			}
			var results []*runner.Result
			for i := range spec.Len() {
				c := spec.Config(i)
				tr := runner.NewTrainer(c, every)
				var kept []runner.Row
				buf := make([]runner.Row, 0, 5)
				for {
					kept = append(kept, tr.Next(buf)...)
					if steps, v, ok := tr.Decided(); ok {
						results = append(results, &runner.Result{Config: c, Trace: kept, Steps: steps, Verdict: v, Facts: tr.Facts()})
						break
					}
				}
			}
			writeStorage(t, st, sw, grid.TraceStorage{Every: max(every, 0)}, results...)
			var differ int
			if err := st.db.QueryRow(`SELECT count(*) FROM runs a JOIN runs b ON b.config_index = a.config_index
				WHERE a.sweep_id = ?1 AND b.sweep_id = ?2 AND NOT (`+sameColumns("a", "b")+`)`, full.ID, sw.ID).Scan(&differ); err != nil {
				t.Fatal(err)
			}
			if differ != 0 {
				t.Errorf("%s, every %d: %d runs' facts differ from those of the runs with every row stored", method, every, differ)
			}
		}
	}
}

// sameColumns is SQL that is true when tables a and b have the same facts.
func sameColumns(a, b string) string {
	var terms []string
	for _, c := range strings.Split(factColumns, ", ") {
		terms = append(terms, a+"."+c+" IS "+b+"."+c)
	}
	return strings.Join(terms, " AND ")
}
