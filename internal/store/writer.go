package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// Commit policy: a transaction is committed once the trace text it holds
// reaches commitBytes or it has been open commitEvery, whichever comes
// first. Large transactions are what make the store fast; the time limit
// bounds what a kill -9 can cost (finished runs not yet committed are
// simply run again).
const (
	commitBytes = 32 << 20
	commitEvery = 500 * time.Millisecond
)

// Record is a finished run as the database stores it, prepared (trace
// thinned and encoded) by the worker that ran it so that the one writer
// only writes.
type Record struct {
	Config      grid.Config
	Verdict     runner.Verdict
	Prediction  *runner.Prediction // nil for methods without a theory
	Steps       int                // trace rows the run had, stored or not
	FinalWeight float64
	FinalError  float64
	// Weights is the stored trace as trace_weights.weights holds it, or
	// "" when the sweep keeps no trace.
	Weights string
}

// NewRecord prepares r for storage, keeping the trace rows that storage
// says. It copies what it needs: r and its trace may be reused once it
// returns.
func NewRecord(r *runner.Result, storage grid.TraceStorage) *Record {
	last := r.Last()
	rec := &Record{
		Config: r.Config, Verdict: r.Verdict, Prediction: r.Prediction,
		Steps: len(r.Trace), FinalWeight: last.Weight, FinalError: last.Error,
	}
	if storage.Every > 0 {
		rec.Weights = encodeWeights(r.Trace, storage)
	}
	return rec
}

// encodeWeights writes the weights of the kept rows as JSON: an array
// [w0, w1, ...] when every row is kept, else an object {"0": w0, "10":
// w10, ...}. Each number is the shortest text that reads back as the same
// float64, always with a point or an exponent so that SQLite reads it as
// REAL; infinities are 9e999 and -9e999, NaN is null.
func encodeWeights(trace []runner.Row, storage grid.TraceStorage) string {
	all := storage.Every == 1
	buf := make([]byte, 0, 20*len(trace)/storage.Every+16)
	if all {
		buf = append(buf, '[')
	} else {
		buf = append(buf, '{')
	}
	first := true
	for _, row := range trace {
		if !storage.Keeps(row.Step, len(trace)) {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		if !all {
			buf = append(buf, '"')
			buf = strconv.AppendInt(buf, int64(row.Step), 10)
			buf = append(buf, '"', ':')
		}
		buf = appendJSONFloat(buf, row.Weight)
	}
	if all {
		buf = append(buf, ']')
	} else {
		buf = append(buf, '}')
	}
	return string(buf)
}

func appendJSONFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "null"...)
	case math.IsInf(f, 1):
		return append(buf, "9e999"...)
	case math.IsInf(f, -1):
		return append(buf, "-9e999"...)
	}
	start := len(buf)
	buf = strconv.AppendFloat(buf, f, 'g', -1, 64)
	for _, c := range buf[start:] {
		if c == '.' || c == 'e' {
			return buf
		}
	}
	return append(buf, '.', '0')
}

// Write stores every record received from records until the channel is
// closed, into the sweep with the given id. A run's row and its trace are
// written in one transaction; a record whose config is already stored (by
// another process, say) is skipped. stored, when not nil, is called after
// each record with the number of runs written so far.
//
// Write keeps going after ctx is canceled: on Ctrl-C the pool stops handing
// out configs and closes records, and everything finished is committed.
// It returns the first database error, after which it stops reading.
func (s *Store) Write(ctx context.Context, sweepID int64, records <-chan *Record, stored func(runs int64)) (err error) {
	ctx = context.WithoutCancel(ctx)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s for writing: %w", s.path, err)
	}
	defer conn.Close()
	w := &writer{conn: conn, sweepID: sweepID}
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
		case rec, ok := <-records:
			if !ok {
				if err := w.commit(ctx); err != nil {
					return fmt.Errorf("commit to %s: %w", s.path, err)
				}
				return nil
			}
			if err := w.write(ctx, rec); err != nil {
				return fmt.Errorf("store run %d in %s: %w", rec.Config.Index, s.path, err)
			}
			written++
			if stored != nil {
				stored(written)
			}
			if w.pendingBytes >= commitBytes || time.Since(w.txStart) >= commitEvery {
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
	conn         *sql.Conn
	sweepID      int64
	insertRun    *sql.Stmt
	insertTrace  *sql.Stmt
	inTx         bool
	txStart      time.Time
	pendingBytes int
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
	if err != nil {
		return err
	}
	w.insertTrace, err = w.conn.PrepareContext(ctx, "INSERT INTO trace_weights (run_id, weights) VALUES (?, ?)")
	return err
}

func (w *writer) closeStmts() {
	for _, st := range []*sql.Stmt{w.insertRun, w.insertTrace} {
		if st != nil {
			st.Close()
		}
	}
}

func (w *writer) begin(ctx context.Context) error {
	// IMMEDIATE takes the write lock now, so a concurrent writer waits
	// (busy_timeout) rather than failing halfway through the transaction.
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	w.inTx, w.txStart, w.pendingBytes = true, time.Now(), 0
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

func (w *writer) write(ctx context.Context, rec *Record) error {
	if !w.inTx {
		if err := w.begin(ctx); err != nil {
			return err
		}
	}
	c := rec.Config
	var alpha, stepAmount any
	if c.Method == grid.HotCold {
		stepAmount = c.Rate
	} else {
		alpha = c.Rate
	}
	var predVerdict, predSteps any
	if p := rec.Prediction; p != nil {
		predVerdict, predSteps = p.Verdict.String(), p.Steps
	}
	var runID int64
	err := w.insertRun.QueryRowContext(ctx, w.sweepID, c.Index, string(c.Method), alpha, stepAmount,
		c.Input, c.Goal, c.Weight, c.Limits.Iterations, c.Limits.Tolerance, c.Limits.Divergence,
		rec.Verdict.String(), rec.Steps, rec.FinalWeight, rec.FinalError, predVerdict, predSteps,
	).Scan(&runID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // stored already, by another process running the same sweep
	}
	if err != nil {
		return err
	}
	if rec.Weights != "" {
		if _, err := w.insertTrace.ExecContext(ctx, runID, rec.Weights); err != nil {
			return err
		}
	}
	w.pendingBytes += len(rec.Weights) + 200
	return nil
}
