package main

import (
	"database/sql"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandEqualsBuiltin runs experiments/gd_python.yaml, the lesson's
// loop in Python, and method: gradient_descent on the same grid, into one
// database: every run has the same verdict, steps and final weight, and
// every trace row the same weight, pred, delta and weight_delta, bit for
// bit; the error differs only where Python's ** 2 rounds otherwise than
// delta * delta, by one unit in the last place, in 23 of its rows (what
// the README says).
func TestCommandEqualsBuiltin(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 42 Python programs")
	}
	dir := withExperiments(t)
	example, err := os.ReadFile(filepath.Join(dir, "experiments", "gd_python.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// The same file, but for the method and its fields.
	var builtin []string
	for _, line := range strings.Split(string(example), "\n") {
		switch {
		case strings.HasPrefix(line, "name:"):
			line = "name: gd-builtin"
		case strings.HasPrefix(line, "method:"):
			line = "method: gradient_descent"
		case strings.HasPrefix(line, "command:"), strings.HasPrefix(line, "rate:"), strings.HasPrefix(line, "timeout:"):
			continue
		}
		builtin = append(builtin, line)
	}
	if err := os.WriteFile(filepath.Join(dir, "experiments", "builtin.yaml"), []byte(strings.Join(builtin, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"gd_python.yaml", "builtin.yaml"} {
		if out, err := sweepCommand(dir, "run", "--db", "e.db", filepath.Join("experiments", f)).CombinedOutput(); err != nil {
			t.Fatalf("sweep run %s: %v\n%s", f, err, out)
		}
	}
	db := openIntact(t, filepath.Join(dir, "e.db"), "quick_check")
	defer db.Close()

	var runs, same int
	// The facts too, computed as the program's rows arrive (its errors
	// may differ by an ulp, never enough to move a step).
	err = db.QueryRow(`SELECT count(*), sum(p.verdict = b.verdict AND p.steps = b.steps AND p.final_weight IS b.final_weight
			AND p.overshoot_step IS b.overshoot_step AND p.sign_changes IS b.sign_changes AND p.min_error_step IS b.min_error_step
			AND p.step_below_1e9_tol IS b.step_below_1e9_tol AND p.step_below_1e6_tol IS b.step_below_1e6_tol
			AND p.step_below_1e3_tol IS b.step_below_1e3_tol AND p.sign_changes IS NOT NULL)
		FROM runs p JOIN runs b ON b.sweep_id = 2 AND b.config_index = p.config_index
		WHERE p.sweep_id = 1 AND p.method = 'command' AND b.method = 'gradient_descent'`).Scan(&runs, &same)
	if err != nil {
		t.Fatal(err)
	}
	if runs != 42 || same != 42 {
		t.Errorf("%d of %d runs have the built-in's verdict, steps, final weight and facts; want 42 of 42", same, runs)
	}
	rows, err := db.Query(`SELECT tp.weight IS tb.weight AND tp.pred IS tb.pred AND tp.delta IS tb.delta AND tp.weight_delta IS tb.weight_delta,
			tp.error, tb.error
		FROM runs p JOIN runs b ON b.sweep_id = 2 AND b.config_index = p.config_index
		JOIN trace tp ON tp.run_id = p.id JOIN trace tb ON tb.run_id = b.id AND tb.step = tp.step
		WHERE p.sweep_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var total, otherColumns, errorsDiffer int
	for rows.Next() {
		var sameColumns bool
		var pe, be sql.NullFloat64
		if err := rows.Scan(&sameColumns, &pe, &be); err != nil {
			t.Fatal(err)
		}
		total++
		if !sameColumns {
			otherColumns++
		}
		if pe != be {
			errorsDiffer++
			if !pe.Valid || !be.Valid || (math.Nextafter(be.Float64, math.Inf(1)) != pe.Float64 && math.Nextafter(be.Float64, math.Inf(-1)) != pe.Float64) {
				t.Errorf("error %v, built-in %v: more than one unit in the last place apart", pe, be)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if total != 21408 || otherColumns != 0 || errorsDiffer != 23 {
		t.Errorf("%d trace rows, %d with another weight, pred, delta or weight_delta, %d with another error; want 21408, 0, 23",
			total, otherColumns, errorsDiffer)
	}
}

// TestSampleExample runs experiments/gd_sample.yaml, example 3 of issue
// 14: 32 alphas drawn from a continuous log range, refined. The edges
// where convergence stops and divergence starts bracket the theory's
// 2/input^2 for both inputs, and running the file again runs nothing.
func TestSampleExample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about a hundred Python programs")
	}
	dir := withExperiments(t)
	out, err := sweepCommand(dir, "run", "--db", "s.db", filepath.Join("experiments", "gd_sample.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "sweep gd-sample: 64 of 64 configs stored; ran 64 in ") || !strings.Contains(string(out), "refined sweep gd-sample: ") {
		t.Errorf("sweep run says:\n%s", out)
	}
	db := openIntact(t, filepath.Join(dir, "s.db"), "quick_check")
	defer db.Close()
	var alphas int
	var lo, hi float64
	if err := db.QueryRow("SELECT count(DISTINCT alpha), min(alpha), max(alpha) FROM runs WHERE sweep_id = 1").Scan(&alphas, &lo, &hi); err != nil {
		t.Fatal(err)
	}
	if alphas != 32 || lo < 0.0001 || hi > 30 {
		t.Errorf("%d alphas from %v to %v, want 32 within [0.0001, 30]", alphas, lo, hi)
	}
	for _, input := range []float64{0.5, 2} {
		theory := 2 / (input * input)
		var stops, starts float64
		err := db.QueryRow(`SELECT (SELECT value FROM boundary WHERE input = ?1 AND edge = 'converge' AND change = 'stops'),
			(SELECT value FROM boundary WHERE input = ?1 AND edge = 'diverge' AND change = 'starts')`, input).Scan(&stops, &starts)
		if err != nil {
			t.Fatalf("input %v: %v", input, err)
		}
		if !(stops <= theory && theory <= starts && starts/stops < 1.02) {
			t.Errorf("input %v: convergence stops at %v and divergence starts at %v, want them around %v, within 2%%", input, stops, starts, theory)
		}
	}
	again, err := sweepCommand(dir, "run", "--db", "s.db", filepath.Join("experiments", "gd_sample.yaml")).CombinedOutput()
	if err != nil || !strings.Contains(string(again), "nothing to run") || !strings.Contains(string(again), " probes (0 run now)") {
		t.Errorf("sweep run again: %v\n%s", err, again)
	}
}

// withExperiments returns a new directory holding a copy of experiments/.
func withExperiments(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	experiments, err := filepath.Abs("../../experiments")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(dir, "experiments"), os.DirFS(experiments)); err != nil {
		t.Fatal(err)
	}
	return dir
}
