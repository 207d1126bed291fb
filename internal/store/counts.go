package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math"
	"strings"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// countBlock is how many consecutive configs of a sweep share the rows of
// run_counts (0008_answers.sql): a change to runs that is not counted run
// by run is counted again a block at a time, from the runs themselves.
const countBlock = 4096

// execer is a connection or transaction that runs statements: a *sql.Conn
// (through execConn) or the writer's driver connection.
type execer interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
}

// recountSQL counts the runs of a sweep's blocks ?2 to ?3 again: ?1 is the
// sweep and ?4 its first_run_id.
var recountSQL = []string{
	"DELETE FROM run_counts WHERE sweep_id = ?1 AND block BETWEEN ?2 AND ?3",
	`INSERT INTO run_counts (sweep_id, block, alpha, step_amount, input, params, iterations, tolerance, divergence,
		configs, converged, diverged, oscillating, stalled, unfinished, failed)
	SELECT ?1, config_index / 4096, alpha, step_amount, input, params, iterations, tolerance, divergence,
		count(*), sum(verdict = 'converged'), sum(verdict = 'diverged'), sum(verdict = 'oscillating'),
		sum(verdict = 'stalled'), sum(verdict = 'unfinished'), sum(verdict = 'failed')
	FROM runs
	WHERE id BETWEEN ?4 + ?2 * 4096 AND ?4 + ?3 * 4096 + 4095 AND sweep_id = ?1 -- the range may reach into the next sweep's
	GROUP BY config_index / 4096, alpha, step_amount, input, params, iterations, tolerance, divergence`,
}

// qualifiedFacts is factColumns of the table alias t, for a SELECT list.
func qualifiedFacts(t string) string {
	return t + "." + strings.ReplaceAll(factColumns, ", ", ", "+t+".")
}

// recount counts the runs of configs [from, to) of a sweep again, by
// whole blocks, after something other than the writer changed them.
func recount(ctx context.Context, c execer, sweepID, firstRunID, from, to int64) error {
	if to <= from {
		return nil
	}
	for _, q := range recountSQL {
		if _, err := c.exec(ctx, q, sweepID, from/countBlock, (to-1)/countBlock, firstRunID); err != nil {
			return err
		}
	}
	return nil
}

// countKey is a row of run_counts: a block and the values the views group
// runs by. Floats are their bits, so that every value is a key (NaN too).
type countKey struct {
	block                   int64
	rate, input, tol, bound uint64 // input is NaN's bits for a program without one
	params                  string
	iterations              int
}

// tally is the counts of the runs the writer stored in its open
// transaction, added to run_counts when it commits.
type tally struct {
	counts map[countKey]*[runner.NumVerdicts + 1]int64 // by verdict, then configs
	// recount holds the blocks to count again from runs instead (a run
	// of the block was stored by another process first).
	recount map[int64]bool
}

func newTally() tally {
	return tally{counts: map[countKey]*[runner.NumVerdicts + 1]int64{}, recount: map[int64]bool{}}
}

// add counts a run the writer stored.
func (t *tally) add(rec *Record) {
	c := rec.Config
	k := countKey{
		block: c.Index / countBlock, rate: math.Float64bits(c.Rate), input: math.Float64bits(c.Input), params: rec.Params,
		iterations: c.Limits.Iterations, tol: math.Float64bits(c.Limits.Tolerance), bound: math.Float64bits(c.Limits.Divergence),
	}
	n := t.counts[k]
	if n == nil {
		n = new([runner.NumVerdicts + 1]int64)
		t.counts[k] = n
	}
	n[rec.Verdict]++
	n[runner.NumVerdicts]++
}

// exec runs a statement on the writer's connection, in its transaction.
func (w *writer) exec(ctx context.Context, query string, args ...any) (int64, error) {
	named := make([]driver.NamedValue, len(args))
	for i, a := range args {
		named[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	res, err := w.conn.ExecContext(ctx, query, named)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// writeCounts adds the counts of the transaction's runs to run_counts, and
// counts again the blocks that need it, before the transaction commits.
// The counts are added as rows of their own, a few INSERTs a commit
// instead of an UPDATE per row: the views sum the rows of a key, however
// many there are, and a recount leaves one per key.
func (w *writer) writeCounts(ctx context.Context) error {
	defer func() { w.tally = newTally() }()
	for block := range w.tally.recount {
		if err := recount(ctx, w, w.sweep.ID, w.sweep.FirstRunID, block*countBlock, (block+1)*countBlock); err != nil {
			return err
		}
	}
	const columns = 16
	w.args = w.args[:0]
	rows := 0
	insert := func() error {
		st := w.countStmts[rows]
		if st == nil {
			var err error
			row := "(" + strings.TrimSuffix(strings.Repeat("?, ", columns), ", ") + ")"
			if st, err = w.prepare(ctx, `INSERT INTO run_counts (sweep_id, block, alpha, step_amount, input, params,
				iterations, tolerance, divergence, configs, converged, diverged, oscillating, stalled, unfinished, failed)
				VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", rows), ", ")); err != nil {
				return err
			}
			w.countStmts[rows] = st
		}
		for i := range w.args {
			w.args[i].Ordinal = i + 1
		}
		_, err := st.ExecContext(ctx, w.args)
		w.args, rows = w.args[:0], 0
		return err
	}
	for k, n := range w.tally.counts {
		if w.tally.recount[k.block] {
			continue
		}
		var alpha, stepAmount, params driver.Value
		if w.constOf.Method == grid.HotCold {
			stepAmount = math.Float64frombits(k.rate)
		} else {
			alpha = math.Float64frombits(k.rate)
		}
		if k.params != "" {
			params = k.params
		}
		for _, v := range []driver.Value{w.sweep.ID, k.block, alpha, stepAmount, math.Float64frombits(k.input), params,
			int64(k.iterations), math.Float64frombits(k.tol), math.Float64frombits(k.bound), n[runner.NumVerdicts],
			n[runner.Converged], n[runner.Diverged], n[runner.Oscillating], n[runner.Stalled], n[runner.Unfinished], n[runner.Failed]} {
			w.arg(v)
		}
		if rows++; rows == rowsPerInsert {
			if err := insert(); err != nil {
				return err
			}
		}
	}
	// The rest in statements of 32, 16, ... rows: a handful of statements
	// to prepare, whatever the number of keys a commit has.
	all, done, pending := w.args, 0, rows
	for size := rowsPerInsert / 2; size > 0; size /= 2 {
		if pending >= size {
			w.args, rows = all[done*columns:(done+size)*columns], size
			if err := insert(); err != nil {
				return err
			}
			done, pending = done+size, pending-size
		}
	}
	clear(all)
	w.args = all[:0]
	return nil
}

// CheckAnswers reports how the database at path breaks what schema 8
// keeps: rows of run_counts whose sums are not the counts of the runs
// they count (or a group of runs without a row), or a built-in rule's run with
// trace rows but no facts. For tests: after any command, both must hold.
func CheckAnswers(ctx context.Context, path string) error {
	r, err := OpenReader(ctx, path)
	if err != nil {
		return err
	}
	defer r.Close()
	var version int
	if err := r.conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return err
	}
	if version < 8 {
		return nil // an older schema keeps neither, and is read without them
	}
	counted := `SELECT sweep_id, block, alpha, step_amount, input, params, iterations, tolerance, divergence,
			sum(configs), sum(converged), sum(diverged), sum(oscillating), sum(stalled), sum(unfinished), sum(failed)
		FROM run_counts GROUP BY sweep_id, block, alpha, step_amount, input, params, iterations, tolerance, divergence`
	actual := `SELECT sweep_id, config_index / 4096, alpha, step_amount, input, params, iterations, tolerance, divergence,
			count(*), sum(verdict = 'converged'), sum(verdict = 'diverged'), sum(verdict = 'oscillating'),
			sum(verdict = 'stalled'), sum(verdict = 'unfinished'), sum(verdict = 'failed')
		FROM runs GROUP BY sweep_id, config_index / 4096, alpha, step_amount, input, params, iterations, tolerance, divergence`
	var wrong, missing, noFacts int64
	err = r.conn.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM (`+counted+` EXCEPT `+actual+`)),
		(SELECT count(*) FROM (`+actual+` EXCEPT `+counted+`)),
		(SELECT count(*) FROM runs WHERE method != 'command' AND steps > 0 AND sign_changes IS NULL)`).Scan(&wrong, &missing, &noFacts)
	switch {
	case err != nil:
		return err
	case wrong+missing > 0:
		return fmt.Errorf("%s: %d rows of run_counts are not the counts of their runs, %d groups of runs have none", path, wrong, missing)
	case noFacts > 0:
		return fmt.Errorf("%s: %d runs of built-in rules have no facts", path, noFacts)
	}
	return nil
}
