package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// Commit policy: a transaction is committed once it holds this many trace
// rows or has been open this long, whichever comes first. Large
// transactions are what make the store fast; the time limit bounds what a
// kill -9 can cost (finished runs not yet committed are simply run again).
const (
	commitRows  = 100_000
	commitEvery = 500 * time.Millisecond
)

// traceRowsPerInsert is how many trace rows one INSERT statement carries:
// SQLite parses and plans the statement once for all of them.
const traceRowsPerInsert = 64

// Write stores every result received from results until the channel is
// closed, into the sweep with the given id. A run's row and all its trace
// rows are written in one transaction; a result whose config is already
// stored (by another process, say) is skipped. stored, when not nil, is
// called after each result with the number of runs written so far.
//
// Write keeps going after ctx is canceled: on Ctrl-C the pool stops handing
// out configs and closes results, and everything finished is committed.
// It returns the first database error, after which it stops reading.
func (s *Store) Write(ctx context.Context, sweepID int64, results <-chan *runner.Result, stored func(runs int64)) (err error) {
	ctx = context.WithoutCancel(ctx)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s for writing: %w", s.path, err)
	}
	defer conn.Close()
	w := &writer{conn: conn, sweepID: sweepID, traceStmts: map[int]*sql.Stmt{}}
	defer w.closeStmts()
	defer func() {
		if err != nil && w.inTx {
			conn.ExecContext(ctx, "ROLLBACK")
		}
	}()
	if err := w.prepare(ctx); err != nil {
		return fmt.Errorf("prepare writes to %s: %w", s.path, err)
	}

	ticker := time.NewTicker(commitEvery / 4)
	defer ticker.Stop()
	var written int64
	for {
		select {
		case r, ok := <-results:
			if !ok {
				if err := w.commit(ctx); err != nil {
					return fmt.Errorf("commit to %s: %w", s.path, err)
				}
				return nil
			}
			if err := w.write(ctx, r); err != nil {
				return fmt.Errorf("store run %d in %s: %w", r.Config.Index, s.path, err)
			}
			written++
			if stored != nil {
				stored(written)
			}
			if w.pendingRows >= commitRows || time.Since(w.txStart) >= commitEvery {
				if err := w.commit(ctx); err != nil {
					return fmt.Errorf("commit to %s: %w", s.path, err)
				}
			}
		case <-ticker.C:
			if w.inTx && time.Since(w.txStart) >= commitEvery {
				if err := w.commit(ctx); err != nil {
					return fmt.Errorf("commit to %s: %w", s.path, err)
				}
			}
		}
	}
}

type writer struct {
	conn        *sql.Conn
	sweepID     int64
	insertRun   *sql.Stmt
	traceStmts  map[int]*sql.Stmt // by rows per statement
	args        []any
	inTx        bool
	txStart     time.Time
	pendingRows int
}

func (w *writer) prepare(ctx context.Context) error {
	var err error
	w.insertRun, err = w.conn.PrepareContext(ctx, `
		INSERT INTO runs (sweep_id, config_index, method, alpha, step_amount, input, goal, weight,
			iterations, tolerance, divergence, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (sweep_id, config_index) DO NOTHING
		RETURNING id`)
	return err
}

func (w *writer) traceStmt(ctx context.Context, rows int) (*sql.Stmt, error) {
	if st, ok := w.traceStmts[rows]; ok {
		return st, nil
	}
	values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", rows), ", ")
	st, err := w.conn.PrepareContext(ctx,
		"INSERT INTO trace (run_id, step, weight, pred, error, delta, weight_delta) VALUES "+values)
	if err != nil {
		return nil, err
	}
	w.traceStmts[rows] = st
	return st, nil
}

func (w *writer) closeStmts() {
	if w.insertRun != nil {
		w.insertRun.Close()
	}
	for _, st := range w.traceStmts {
		st.Close()
	}
}

func (w *writer) begin(ctx context.Context) error {
	// IMMEDIATE takes the write lock now, so a concurrent writer waits
	// (busy_timeout) rather than failing halfway through the transaction.
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	w.inTx, w.txStart, w.pendingRows = true, time.Now(), 0
	return nil
}

func (w *writer) commit(ctx context.Context) error {
	if !w.inTx {
		return nil
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	w.inTx = false
	return nil
}

func (w *writer) write(ctx context.Context, r *runner.Result) error {
	if !w.inTx {
		if err := w.begin(ctx); err != nil {
			return err
		}
	}
	c, last := r.Config, r.Last()
	var alpha, stepAmount any
	if c.Method == grid.HotCold {
		stepAmount = c.Rate
	} else {
		alpha = c.Rate
	}
	var predVerdict, predSteps any
	if p := r.Prediction; p != nil {
		predVerdict, predSteps = p.Verdict.String(), p.Steps
	}
	var runID int64
	err := w.insertRun.QueryRowContext(ctx, w.sweepID, c.Index, string(c.Method), alpha, stepAmount,
		c.Input, c.Goal, c.Weight, c.Limits.Iterations, c.Limits.Tolerance, c.Limits.Divergence,
		r.Verdict.String(), len(r.Trace), last.Weight, last.Error, predVerdict, predSteps,
	).Scan(&runID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // stored already, by another process running the same sweep
	}
	if err != nil {
		return err
	}
	for rest := r.Trace; len(rest) > 0; {
		n := min(len(rest), traceRowsPerInsert)
		st, err := w.traceStmt(ctx, n)
		if err != nil {
			return err
		}
		w.args = w.args[:0]
		for _, row := range rest[:n] {
			w.args = append(w.args, runID, row.Step, row.Weight, row.Pred, row.Error, row.Delta, row.WeightDelta)
		}
		if _, err := st.ExecContext(ctx, w.args...); err != nil {
			return err
		}
		rest = rest[n:]
	}
	w.pendingRows += len(r.Trace) + 1
	return nil
}
