package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"sweep/internal/grid"
	"sweep/internal/pyfloat"
	"sweep/internal/runner"
	"sweep/internal/store"
	"sweep/internal/tabular"
)

const showUsage = `Usage: sweep show [--db PATH] [--head N] [--tail N] (RUN_ID | [--verdict VERDICT] [--where SQL])

Prints one run: its config, its verdict with the reason and the deciding
step, what the theory predicted, and its trace the way the textbook prints
it (Error:0.30250000000000005 Prediction:0.25), numbers as Python's repr
prints them, so it can be held against the book line by line. A run of a
program (method: command) shows the axes it has, by their names, and the
columns its trace has, in the lesson's format (Error:... Prediction:...
Weight:... Delta:... Weight Delta:..., then its own numbers as name:value);
a failed run, why it failed and the last lines it wrote to stderr. --head
and --tail print only the first and last rows of a long trace. Instead of
a RUN_ID, --verdict and --where pick the first run (by id) that matches
both, and say how many runs matched.

Flags:
`

// pickRun returns the id of the first run (by id) with the verdict and
// matching the SQL condition where (either may be empty), and how many
// match.
func pickRun(ctx context.Context, r *store.Reader, verdict, where string) (id, matched int64, err error) {
	cond := "(? = '' OR verdict = ?)"
	if where != "" {
		cond += " AND (" + where + ")"
	}
	// The same columns as export --where: those of runs, and sweep, the
	// name of the run's sweep.
	rows, err := r.Query(ctx, "SELECT id, count(*) OVER () FROM (SELECT runs.*, (SELECT name FROM sweeps WHERE id = runs.sweep_id) AS sweep FROM runs) WHERE "+cond+" ORDER BY id LIMIT 1", verdict, verdict)
	if err != nil {
		return 0, 0, usageError{msg: "--where " + where + ": " + queryError(err).Error(),
			hint: `--where is a condition on the columns of runs and sweep (the sweep's name), e.g. --where "sweep = 'alpha' AND alpha = 0.1 AND input = 2"`}
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return 0, 0, err
		}
		what := []string{}
		if verdict != "" {
			what = append(what, "verdict "+verdict)
		}
		if where != "" {
			what = append(what, where)
		}
		return 0, 0, usageError{msg: "no run matches " + strings.Join(what, " and ") + " in " + r.Path(),
			hint: "sweep query 'SELECT verdict, count(*) FROM runs GROUP BY 1' shows what there is"}
	}
	if err := rows.Scan(&id, &matched); err != nil {
		return 0, 0, err
	}
	return id, matched, rows.Err()
}

// storedRun is what show prints of a run besides its trace.
type storedRun struct {
	id, sweepID, configIndex int64
	sweepName, method        string
	traceEvery               int64 // what the sweep stores of traces: 1 all, 0 none, N every Nth
	alpha, stepAmount        sql.NullFloat64
	// input, goal and weight are NULL for a program without such an axis.
	input, goal, weight sql.NullFloat64
	// For a program's run: the name of its rate axis (its value is in
	// alpha), its other axes as runs.params holds them, and why it failed
	// with the last lines of its stderr.
	rateAxis, params, failure, stderr sql.NullString
	iterations                        int64
	tolerance, divergence             float64
	verdict                           string
	steps                             int64
	finalWeight, finalError           sql.NullFloat64
	predictedVerdict                  sql.NullString
	predictedSteps                    sql.NullInt64
	lastWeightDelta                   sql.NullFloat64
}

func runShow(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	head := fs.Int("head", -1, "print only the first `N` trace rows (-1, the default: all)")
	tail := fs.Int("tail", -1, "print only the last `N` trace rows (-1, the default: all)")
	verdict := fs.String("verdict", "", "instead of a RUN_ID, show the first run (by id) with this `verdict`")
	where := fs.String("where", "", "instead of a RUN_ID, show the first run (by id) matching this SQL `condition` on the columns of runs and sweep (the sweep's name)")
	pos, code, done := parseCommand(fs, args, showUsage, stdout, stderr)
	if done {
		return code
	}
	picking := *verdict != "" || *where != ""
	var id int64
	switch {
	case picking && len(pos) != 0:
		return report(stderr, usageError{msg: fmt.Sprintf("show takes a run id or --verdict/--where, not both (got %s)", strings.Join(pos, " ")),
			hint: "sweep show 17, or sweep show --verdict diverged --where 'input = 2'"})
	case picking:
		if *verdict != "" {
			if _, err := runner.ParseVerdict(*verdict); err != nil {
				return report(stderr, usageError{msg: "--verdict: " + err.Error(), hint: "--verdict is one of converged, diverged, oscillating, stalled, unfinished, failed"})
			}
		}
	case len(pos) != 1:
		return report(stderr, usageError{msg: fmt.Sprintf("show takes one run id, got %d arguments", len(pos)),
			hint: "sweep show 17, or pick by what you know: sweep show --verdict diverged --where 'alpha = 0.1 AND input = 2'"})
	default:
		var err error
		id, err = strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id < 1 {
			return report(stderr, usageError{msg: fmt.Sprintf("run id %q is not a positive whole number", pos[0]),
				hint: "the ids are in the id column of runs, or pick by what you know: sweep show --verdict diverged --where 'input = 2'"})
		}
	}
	if *head < -1 || *tail < -1 {
		return report(stderr, usageError{msg: "--head and --tail take a number of rows, 0 or more", hint: "sweep show --head 5 --tail 5 17"})
	}
	r, err := store.OpenReader(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer r.Close()
	if picking {
		var matched int64
		if id, matched, err = pickRun(ctx, r, *verdict, *where); err != nil {
			return report(stderr, err)
		}
		if matched == 1 {
			fmt.Fprintf(stdout, "1 run matches: run %d\n", id)
		} else {
			fmt.Fprintf(stdout, "%d runs match; the first, by id, is run %d\n", matched, id)
		}
	}
	ru, found, err := loadRun(ctx, r, id)
	if err != nil {
		return report(stderr, err)
	}
	if !found {
		return report(stderr, usageError{msg: fmt.Sprintf("no run %d in %s", id, r.Path()),
			hint: "the ids are in the id column of runs: sweep query 'SELECT id, alpha, input, verdict FROM runs LIMIT 10'"})
	}
	printRun(stdout, ru)
	if err := printTrace(ctx, stdout, r, ru, *head, *tail); err != nil {
		return report(stderr, err)
	}
	return exitOK
}

func loadRun(ctx context.Context, r *store.Reader, id int64) (storedRun, bool, error) {
	// A database older than schema 0007 is read with rate_axis and params
	// NULL and run_failures empty (see store.Reader).
	rows, err := r.Query(ctx, `
		SELECT runs.id, sweep_id, config_index, sweeps.name, sweeps.trace_every, runs.method, alpha, step_amount, input, goal, weight,
			iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps, sweeps.rate_axis, runs.params, f.reason, f.stderr
		FROM runs JOIN sweeps ON sweeps.id = runs.sweep_id LEFT JOIN run_failures f ON f.run_id = runs.id
		WHERE runs.id = ?`, id)
	if err != nil {
		return storedRun{}, false, fmt.Errorf("read run %d: %w", id, err)
	}
	defer rows.Close()
	var ru storedRun
	if !rows.Next() {
		return storedRun{}, false, rows.Err()
	}
	err = rows.Scan(&ru.id, &ru.sweepID, &ru.configIndex, &ru.sweepName, &ru.traceEvery, &ru.method, &ru.alpha, &ru.stepAmount,
		&ru.input, &ru.goal, &ru.weight, &ru.iterations, &ru.tolerance, &ru.divergence, &ru.verdict, &ru.steps,
		&ru.finalWeight, &ru.finalError, &ru.predictedVerdict, &ru.predictedSteps, &ru.rateAxis, &ru.params, &ru.failure, &ru.stderr)
	if err != nil {
		return storedRun{}, false, fmt.Errorf("read run %d: %w", id, err)
	}
	// The text a database holds goes to a terminal: escaped, it cannot
	// move the cursor or recolour the screen, whoever wrote it.
	ru.sweepName, ru.method, ru.verdict = tabular.Escape(ru.sweepName), tabular.Escape(ru.method), tabular.Escape(ru.verdict)
	ru.predictedVerdict.String = tabular.Escape(ru.predictedVerdict.String)
	ru.rateAxis.String, ru.failure.String = tabular.Escape(ru.rateAxis.String), tabular.Escape(ru.failure.String)
	return ru, true, nil
}

// program reports whether ru is a run of a user's program.
func (ru storedRun) program() bool { return ru.method == string(grid.Command) }

// repr prints a stored float as Python does; NULL is how SQLite keeps NaN.
func repr(f sql.NullFloat64) string {
	if !f.Valid {
		return "nan"
	}
	return pyfloat.Repr(f.Float64)
}

func printRun(w io.Writer, ru storedRun) {
	fmt.Fprintf(w, "run %d of sweep %s (sweep id %d, config %d)\n", ru.id, ru.sweepName, ru.sweepID, ru.configIndex)
	field := func(name, value string) { fmt.Fprintf(w, "%-11s %s\n", name, value) }
	field("method", ru.method)
	if ru.program() {
		printProgramRun(w, ru, field)
		return
	}
	if ru.alpha.Valid {
		field("alpha", repr(ru.alpha))
	}
	if ru.stepAmount.Valid {
		field("step_amount", repr(ru.stepAmount))
	}
	field("input", repr(ru.input))
	field("goal", repr(ru.goal))
	field("weight", repr(ru.weight))
	field("limits", fmt.Sprintf("iterations %d, tolerance %s, divergence %s",
		ru.iterations, pyfloat.Repr(ru.tolerance), pyfloat.Repr(ru.divergence)))
	field("verdict", fmt.Sprintf("%s at step %d: %s", ru.verdict, ru.steps-1, reason(ru)))
	field("theory", theoryLine(ru))
	field("final", fmt.Sprintf("weight %s, error %s", repr(ru.finalWeight), repr(ru.finalError)))
}

// printProgramRun prints a program's run: the axes it has, by their names
// (the rate, then input, goal and weight where the program has them, then
// the others in the sweep's order), and of the final row the columns it
// printed; for a failed run, why, and what it wrote to stderr last.
func printProgramRun(w io.Writer, ru storedRun, field func(name, value string)) {
	field(cmp.Or(ru.rateAxis.String, "alpha"), repr(ru.alpha))
	for _, a := range []struct {
		name  string
		value sql.NullFloat64
	}{{"input", ru.input}, {"goal", ru.goal}, {"weight", ru.weight}} {
		if a.value.Valid {
			field(a.name, repr(a.value))
		}
	}
	for _, p := range programParams(ru.params.String) {
		field(p.name, p.value)
	}
	field("limits", fmt.Sprintf("iterations %d, tolerance %s, divergence %s",
		ru.iterations, pyfloat.Repr(ru.tolerance), pyfloat.Repr(ru.divergence)))
	if ru.verdict == "failed" {
		when := "before its first row"
		if ru.steps > 0 {
			when = "after " + plural(ru.steps, "row")
		}
		field("verdict", "failed "+when+": "+cmp.Or(ru.failure.String, "no reason stored"))
		lines := strings.Split(strings.TrimRight(ru.stderr.String, "\n"), "\n")
		if len(lines) == 1 && lines[0] == "" {
			lines[0] = "(empty)"
		}
		for i, line := range lines {
			name := ""
			if i == 0 {
				name = "stderr"
			}
			field(name, tabular.Escape(line))
		}
	} else {
		field("verdict", fmt.Sprintf("%s at step %d: %s", ru.verdict, ru.steps-1, reason(ru)))
	}
	field("theory", theoryLine(ru))
	var final []string
	if ru.finalWeight.Valid {
		final = append(final, "weight "+repr(ru.finalWeight))
	}
	if ru.steps > 0 {
		final = append(final, "error "+repr(ru.finalError))
	}
	if len(final) > 0 {
		field("final", strings.Join(final, ", "))
	}
}

// param is one of a program's axes from runs.params, its value as Python
// prints it.
type param struct{ name, value string }

// programParams reads runs.params, a JSON object of numbers, in the order
// stored (the sweep's); a value that is not a number is shown as it is.
func programParams(text string) []param {
	var out []param
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			break
		}
		v, err := dec.Token()
		if err != nil {
			break
		}
		name, _ := k.(string)
		value := fmt.Sprint(v)
		if n, ok := v.(json.Number); ok {
			if f, err := strconv.ParseFloat(string(n), 64); err == nil || math.IsInf(f, 0) {
				value = pyfloat.Repr(f)
			}
		}
		out = append(out, param{tabular.Escape(name), tabular.Escape(value)})
	}
	return out
}

// reason says why the deciding row decided the verdict.
func reason(ru storedRun) string {
	switch ru.verdict {
	case "converged":
		return fmt.Sprintf("error %s < tolerance %s", repr(ru.finalError), pyfloat.Repr(ru.tolerance))
	case "diverged":
		switch {
		case !ru.finalError.Valid:
			return "error is not a number (NaN)"
		case math.IsInf(ru.finalError.Float64, 1):
			return "error overflowed to inf"
		}
		return fmt.Sprintf("error %s > divergence %s", repr(ru.finalError), pyfloat.Repr(ru.divergence))
	case "oscillating":
		return fmt.Sprintf("weight %s is back where it was at step %d", repr(ru.finalWeight), ru.steps-3)
	case "stalled":
		w := ru.finalWeight.Float64
		switch {
		case ru.program():
			// A program's trace shows the unchanged weight a row later.
			return fmt.Sprintf("weight %s did not change from step %d", repr(ru.finalWeight), ru.steps-2)
		case ru.input.Float64 == 0:
			return fmt.Sprintf("input is 0, so nothing is learned: the weight stays %s", repr(ru.finalWeight))
		case ru.method != "hot_cold":
			return fmt.Sprintf("the update alpha*input*delta is too small to change the weight %s", repr(ru.finalWeight))
		case w+ru.stepAmount.Float64 == w && w-ru.stepAmount.Float64 == w:
			return fmt.Sprintf("step_amount %s is too small to change the weight %s", repr(ru.stepAmount), repr(ru.finalWeight))
		}
		return fmt.Sprintf("a step up and a step down predict equally well, so the weight stays %s", repr(ru.finalWeight))
	case "unfinished":
		if ru.program() && ru.steps < ru.iterations {
			return fmt.Sprintf("the program ended after %s without a verdict; error %s", plural(ru.steps, "row"), repr(ru.finalError))
		}
		return fmt.Sprintf("no verdict within %d iterations; error %s", ru.iterations, repr(ru.finalError))
	}
	return ""
}

func theoryLine(ru storedRun) string {
	if !ru.predictedVerdict.Valid {
		return "none for " + ru.method
	}
	a := ru.alpha.Float64 * ru.input.Float64 * ru.input.Float64
	s := fmt.Sprintf("%s at step %d (alpha*input^2 = %s, r = %s)", ru.predictedVerdict.String, ru.predictedSteps.Int64-1,
		pyfloat.Repr(a), pyfloat.Repr(1-a))
	switch {
	case ru.predictedVerdict.String != ru.verdict:
		return s + ": disagrees with the run"
	case ru.predictedSteps.Int64 != ru.steps:
		return s + fmt.Sprintf(": agrees, %+d steps", ru.steps-ru.predictedSteps.Int64)
	}
	return s + ": agrees"
}

// printTrace prints the trace as the book does, or its first head and last
// tail rows (-1: no limit). A program's rows print the columns they have,
// and their metrics.
func printTrace(ctx context.Context, w io.Writer, r *store.Reader, ru storedRun, head, tail int) error {
	cols, filter := "step, error, pred", ""
	if ru.program() {
		cols += ", weight, delta, weight_delta"
	}
	args := []any{ru.id}
	if head >= 0 || tail >= 0 {
		h, t := max(head, 0), max(tail, 0)
		filter = " AND (step < ? OR step >= ?)"
		args = append(args, h, ru.steps-int64(t))
	}
	format := "as the book prints them"
	if ru.program() {
		format = "in the lesson's format"
	}
	switch {
	case ru.traceEvery == 0:
		fmt.Fprintf(w, "trace       %s, none stored (the sweep keeps no trace)\n", plural(ru.steps, "row"))
		return nil
	case ru.steps == 0:
		fmt.Fprintf(w, "trace       none: the program printed no row\n")
		return nil
	case ru.traceEvery == 1:
		fmt.Fprintf(w, "trace       %s, %s\n", plural(ru.steps, "row"), format)
	default:
		fmt.Fprintf(w, "trace       %s, of which the sweep stores every %d and the last, %s\n",
			plural(ru.steps, "row"), ru.traceEvery, format)
	}
	var metrics map[int64]string
	if ru.program() {
		var err error
		if metrics, err = loadMetrics(ctx, r, ru.id, filter, args); err != nil {
			return err
		}
	}
	rows, err := r.Query(ctx, "SELECT "+cols+" FROM trace WHERE run_id = ?"+filter+" ORDER BY step", args...)
	if err != nil {
		return fmt.Errorf("read trace of run %d: %w", ru.id, err)
	}
	defer rows.Close()
	next := int64(0)
	var step int64
	var errv, pred, weight, delta, weightDelta sql.NullFloat64
	dest := []any{&step, &errv, &pred}
	if ru.program() {
		dest = append(dest, &weight, &delta, &weightDelta)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("read trace of run %d: %w", ru.id, err)
		}
		if step > next {
			fmt.Fprintf(w, "... %s not shown (%s)\n", plural(step-next, "row"), stepRange(next, step-1))
		}
		if !ru.program() {
			fmt.Fprintf(w, "Error:%s Prediction:%s\n", repr(errv), repr(pred))
		} else {
			// The lesson's printout, of the columns the program gave.
			line := "Error:" + repr(errv)
			for _, c := range []struct {
				name  string
				value sql.NullFloat64
			}{{"Prediction", pred}, {"Weight", weight}, {"Delta", delta}, {"Weight Delta", weightDelta}} {
				if c.value.Valid {
					line += " " + c.name + ":" + repr(c.value)
				}
			}
			fmt.Fprintln(w, line+metrics[step])
		}
		next = step + 1
	}
	if next < ru.steps {
		fmt.Fprintf(w, "... %s not shown (%s)\n", plural(ru.steps-next, "row"), stepRange(next, ru.steps-1))
	}
	return rows.Err()
}

// loadMetrics returns, per step of a program's run that filter keeps, the
// other numbers its row printed, as " name:value" each, in the order
// printed (trace_metrics yields a row's metrics in that order).
func loadMetrics(ctx context.Context, r *store.Reader, id int64, filter string, args []any) (map[int64]string, error) {
	rows, err := r.Query(ctx, "SELECT step, name, value FROM trace_metrics WHERE run_id = ?"+filter, args...)
	if err != nil {
		return nil, fmt.Errorf("read the metrics of run %d: %w", id, err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var step int64
		var name string
		var value sql.NullFloat64
		if err := rows.Scan(&step, &name, &value); err != nil {
			return nil, fmt.Errorf("read the metrics of run %d: %w", id, err)
		}
		out[step] += " " + tabular.Escape(name) + ":" + repr(value)
	}
	return out, rows.Err()
}

// plural returns "1 row", "2 rows".
// stepRange names the steps from to to: "step 2" or "steps 2 to 5".
func stepRange(from, to int64) string {
	if from == to {
		return fmt.Sprintf("step %d", from)
	}
	return fmt.Sprintf("steps %d to %d", from, to)
}

func plural(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
