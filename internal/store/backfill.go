package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"runtime"

	"golang.org/x/sync/errgroup"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// connExec is a *sql.Conn as an execer.
type connExec struct{ conn *sql.Conn }

func (c connExec) exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.conn.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// fillAnswers stores, for the runs an older schema stored, what schema 8
// stores with each run (their facts) and each block of runs (their
// counts). It runs in the migration's transaction.
func fillAnswers(ctx context.Context, conn *sql.Conn) error {
	if err := fillFacts(ctx, conn, 0, math.MaxInt64); err != nil { // run ids start at 1
		return fmt.Errorf("compute the facts of the stored runs: %w", err)
	}
	rows, err := conn.QueryContext(ctx, "SELECT id, first_run_id, configs FROM sweeps")
	if err != nil {
		return err
	}
	type sweepRange struct{ id, first, configs int64 }
	var sweeps []sweepRange
	for rows.Next() {
		var s sweepRange
		if err := rows.Scan(&s.id, &s.first, &s.configs); err != nil {
			rows.Close()
			return err
		}
		sweeps = append(sweeps, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, s := range sweeps {
		if err := recount(ctx, connExec{conn}, s.id, s.first, 0, s.configs); err != nil {
			return fmt.Errorf("count the stored runs: %w", err)
		}
	}
	return nil
}

// factsChunk is how many runs fillFacts reads at a time: it holds no more.
const factsChunk = 4096

// fillFacts computes the facts of the runs with ids in [lo, hi] that have
// trace rows but no facts (stored by an older sweep, or merged from one);
// lo is at least 0.
// A built-in rule's run is trained again (every rule is exact, so its
// rows are the ones it had). A program's run, or a built-in's whose steps
// or verdict come out otherwise, is read from its stored trace when that
// holds every row, and otherwise keeps no facts.
func fillFacts(ctx context.Context, conn *sql.Conn, lo, hi int64) error {
	type stale struct {
		id      int64
		c       grid.Config
		verdict string
		steps   int
		every   int64
	}
	// A prepared UPDATE a run: one a chunk, from a JSON array of the
	// chunk's facts, took half as long again (14 s against 9 s for W2).
	update, err := conn.PrepareContext(ctx, `UPDATE runs SET overshoot_step = ?, sign_changes = ?, min_error = ?, min_error_step = ?,
		step_below_1e9_tol = ?, step_below_1e6_tol = ?, step_below_1e3_tol = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer update.Close()
	for last := lo - 1; ; {
		if last == math.MaxInt64 {
			return nil
		}
		rows, err := conn.QueryContext(ctx, `
			SELECT r.id, r.method, coalesce(r.alpha, r.step_amount), r.input, r.goal, r.weight,
				r.iterations, r.tolerance, r.divergence, r.verdict, r.steps, s.trace_every
			FROM runs r JOIN sweeps s ON s.id = r.sweep_id
			WHERE r.id > ?1 AND r.id <= ?2 AND r.sign_changes IS NULL AND r.steps > 0
			ORDER BY r.id LIMIT ?3`, last, hi, factsChunk)
		if err != nil {
			return err
		}
		var chunk []stale
		for rows.Next() {
			var (
				s                         stale
				method                    string
				rate, input, goal, weight sql.NullFloat64
			)
			if err := rows.Scan(&s.id, &method, &rate, &input, &goal, &weight, &s.c.Limits.Iterations,
				&s.c.Limits.Tolerance, &s.c.Limits.Divergence, &s.verdict, &s.steps, &s.every); err != nil {
				rows.Close()
				return err
			}
			s.c.Method = grid.Method(method)
			s.c.Rate, s.c.Input, s.c.Goal, s.c.Weight = orNaN(rate), orNaN(input), orNaN(goal), orNaN(weight)
			chunk = append(chunk, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(chunk) == 0 {
			return nil
		}
		// The built-ins' runs are trained again on every core; a
		// program's trace is read here, on the connection.
		facts := make([]runner.Facts, len(chunk))
		known := make([]bool, len(chunk))
		var g errgroup.Group
		g.SetLimit(runtime.GOMAXPROCS(0))
		for i, s := range chunk {
			if s.c.Method != grid.Command {
				g.Go(func() error {
					facts[i], known[i] = retrain(s.c, s.verdict, s.steps)
					return nil
				})
			}
		}
		g.Wait()
		for i, s := range chunk {
			if !known[i] && (s.c.Method == grid.Command || s.every == 1) {
				// A program's run, or a built-in's that trained otherwise
				// (stored by a binary whose numbers differed): from its
				// trace, when that holds every row.
				if facts[i], known[i], err = traceFacts(ctx, conn, s.id, s.c, s.steps, s.every); err != nil {
					return err
				}
			}
			if known[i] {
				if err := storeFacts(ctx, update, s.id, facts[i]); err != nil {
					return err
				}
			}
		}
		last = chunk[len(chunk)-1].id
	}
}

// retrain trains a built-in rule's config c again, keeping no row, and
// returns the facts of its rows and whether they are the stored run's: the
// same verdict after the same number of steps.
func retrain(c grid.Config, verdict string, steps int) (runner.Facts, bool) {
	t := runner.NewTrainer(c, 0)
	buf := make([]runner.Row, 0, 1)
	for {
		t.Next(buf)
		if n, v, done := t.Decided(); done {
			return t.Facts(), n == steps && v.String() == verdict
		}
	}
}

// traceFacts computes the facts of stored run id of config c from its
// stored trace, and whether that holds every row.
func traceFacts(ctx context.Context, conn *sql.Conn, id int64, c grid.Config, steps int, every int64) (runner.Facts, bool, error) {
	if every != 1 {
		return runner.Facts{}, false, nil
	}
	rows, err := conn.QueryContext(ctx, "SELECT step, error, delta FROM trace WHERE run_id = ? ORDER BY step", id)
	if err != nil {
		return runner.Facts{}, false, err
	}
	defer rows.Close()
	f, n := runner.NewFactTracker(c.Limits.Tolerance), 0
	for rows.Next() {
		var (
			step        int
			errv, delta sql.NullFloat64
		)
		if err := rows.Scan(&step, &errv, &delta); err != nil {
			return runner.Facts{}, false, err
		}
		f.Add(step, orNaN(errv), orNaN(delta))
		n++
	}
	return f.Facts(), n == steps, rows.Err()
}

// storeFacts writes the facts of run id with update, fillFacts's
// statement.
func storeFacts(ctx context.Context, update *sql.Stmt, id int64, f runner.Facts) error {
	step := func(s int) any {
		if s < 0 {
			return nil
		}
		return int64(s)
	}
	_, err := update.ExecContext(ctx, step(f.OvershootStep), int64(f.SignChanges), f.MinError, step(f.MinErrorStep),
		step(f.BelowTolerance[0]), step(f.BelowTolerance[1]), step(f.BelowTolerance[2]), id)
	return err
}

// orNaN is a REAL column's value, NaN for NULL (as SQLite stores NaN).
func orNaN(f sql.NullFloat64) float64 {
	if !f.Valid {
		return math.NaN()
	}
	return f.Float64
}
