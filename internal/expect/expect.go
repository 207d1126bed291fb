// Package expect checks a sweep's expectations (the expect: section of its
// file) against the runs stored in its database: the CI gate that fails a
// build when learning behaviour changes.
package expect

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"sweep/internal/grid"
	"sweep/internal/store"
)

// MaxListed is how many differing runs a failed expectation lists.
const MaxListed = 20

// Run is a stored run as a report shows it.
type Run struct {
	ID      int64    `json:"run_id"`
	Rate    float64  `json:"rate"`
	Input   *float64 `json:"input"` // nil (null) for a program without the axis
	Goal    *float64 `json:"goal"`
	Weight  *float64 `json:"weight"`
	Params  string   `json:"params,omitempty"` // a program's other axes, as runs.params
	Verdict string   `json:"verdict"`
	Steps   int64    `json:"steps"`
}

// Result is the outcome of one expectation.
type Result struct {
	Expectation grid.Expectation
	Passed      bool
	// Message says what went wrong ("2 of 6 runs differ"), or what was
	// checked when it passed ("6 runs").
	Message string
	// Differing lists the first MaxListed runs that broke it.
	Differing []Run
}

// Check evaluates every expectation against the runs of the sweep with the
// given id, on a read-only connection. It returns an error only when a
// query cannot run; a failed expectation is a Result.
func Check(ctx context.Context, r *store.Reader, sweepID int64, exps []grid.Expectation) ([]Result, error) {
	var out []Result
	for _, e := range exps {
		var (
			res Result
			err error
		)
		if e.SQL != "" {
			res, err = checkSQL(ctx, r, sweepID, e)
		} else {
			res, err = checkRuns(ctx, r, sweepID, e)
		}
		if err != nil {
			return nil, fmt.Errorf("check expectation at line %d (%s): %w", e.Line, e.Name, err)
		}
		out = append(out, res)
	}
	return out, nil
}

func checkRuns(ctx context.Context, r *store.Reader, sweepID int64, e grid.Expectation) (Result, error) {
	// A program's rate axis is stored in alpha whatever its name, and its
	// axes without a column in params.
	var rateAxis sql.NullString
	rows, err := r.Query(ctx, "SELECT rate_axis FROM sweeps WHERE id = ?", sweepID)
	if err != nil {
		return Result{}, err
	}
	for rows.Next() {
		err = rows.Scan(&rateAxis)
	}
	if err := errors.Join(err, rows.Close(), rows.Err()); err != nil {
		return Result{}, err
	}
	query := "SELECT id, coalesce(alpha, step_amount), input, goal, weight, coalesce(params, ''), verdict, steps FROM runs WHERE sweep_id = ?"
	args := []any{sweepID}
	for _, axis := range slices.Sorted(maps.Keys(e.Where)) {
		switch {
		case rateAxis.Valid && axis == rateAxis.String:
			query += " AND alpha = ?"
		case slices.Contains([]string{grid.AxisInput, grid.AxisGoal, grid.AxisWeight, grid.LimitIterations, grid.LimitTolerance, grid.LimitDivergence}, axis),
			!rateAxis.Valid && (axis == grid.AxisAlpha || axis == grid.AxisStepAmount):
			query += " AND " + axis + " = ?" // a column of runs: the parser admits only axis names
		default:
			query += " AND json_extract(params, '$." + axis + "') = ?" // a program's axis: [a-z_][a-z0-9_]*
		}
		args = append(args, e.Where[axis])
	}
	rows, err = r.Query(ctx, query+" ORDER BY id", args...)
	if err != nil {
		return Result{}, err
	}
	defer rows.Close()
	res := Result{Expectation: e}
	picked, differ := 0, 0
	for rows.Next() {
		var run Run
		var input, goal, weight sql.NullFloat64
		if err := rows.Scan(&run.ID, &run.Rate, &input, &goal, &weight, &run.Params, &run.Verdict, &run.Steps); err != nil {
			return Result{}, err
		}
		run.Input, run.Goal, run.Weight = nullable(input), nullable(goal), nullable(weight)
		picked++
		if run.Verdict == e.Verdict && (e.MinSteps == 0 || run.Steps >= int64(e.MinSteps)) && (e.MaxSteps == 0 || run.Steps <= int64(e.MaxSteps)) {
			continue
		}
		differ++
		if len(res.Differing) < MaxListed {
			res.Differing = append(res.Differing, run)
		}
	}
	if err := rows.Err(); err != nil {
		return Result{}, err
	}
	switch {
	case picked == 0:
		res.Message = "no stored run matches: is the sweep complete?"
	case differ > 0:
		res.Message = fmt.Sprintf("%d of %d runs differ", differ, picked)
	default:
		res.Passed, res.Message = true, fmt.Sprintf("%d run", picked)
		if picked != 1 {
			res.Message += "s"
		}
	}
	return res, nil
}

// nullable is a NULL-able column as a pointer, nil for NULL.
func nullable(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

func checkSQL(ctx context.Context, r *store.Reader, sweepID int64, e grid.Expectation) (Result, error) {
	var args []any
	if strings.Contains(e.SQL, ":sweep") {
		args = append(args, sql.Named("sweep", sweepID))
	}
	rows, err := r.Query(ctx, e.SQL, args...)
	if err != nil {
		return Result{}, err
	}
	defer rows.Close()
	res := Result{Expectation: e}
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return Result{}, err
		}
		res.Message = "the query returned no rows, want true"
		return res, nil
	}
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return Result{}, err
	}
	switch v := vals[0].(type) {
	case int64:
		res.Passed = v != 0
	case float64:
		res.Passed = v != 0
	}
	if res.Passed {
		res.Message = "true"
	} else {
		res.Message = fmt.Sprintf("the query returned %s, want true", describe(vals[0]))
	}
	return res, nil
}

func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return fmt.Sprintf("%q", v)
	case string:
		return fmt.Sprintf("%q", v)
	}
	return fmt.Sprint(v)
}

// Validate checks, before anything runs, that every sql expectation is one
// statement that only reads and that compiles against the database's
// schema, so that a typo or a DELETE is refused up front instead of after
// the whole sweep ran. It returns grid.Errors naming each bad expectation's
// line in file.
func Validate(ctx context.Context, r *store.Reader, file string, exps []grid.Expectation) error {
	var errs grid.Errors
	for _, e := range exps {
		if e.SQL == "" {
			continue
		}
		if err := r.Prepare(ctx, e.SQL); err != nil {
			errs = append(errs, &grid.Error{File: file, Line: e.Line, Msg: "expect: sql: " + err.Error(),
				Hint: "an sql expectation is one read-only statement over the tables and views of the README; :sweep stands for the sweep's id"})
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}
