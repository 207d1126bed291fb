package store

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math"
	"strconv"
	"strings"
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
	commitEvery = 100 * time.Millisecond
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
		Steps: r.Steps, FinalWeight: last.Weight, FinalError: last.Error,
	}
	if storage.Every > 0 {
		rec.Weights = encodeWeights(r.Trace, r.Steps, storage)
	}
	return rec
}

// encodeWeights writes the weights of the kept rows as JSON: an array
// [w0, w1, ...] when every row is kept, else an object {"0": w0, "10":
// w10, ...}. Each number is the shortest text that reads back as the same
// float64, always with a point or an exponent so that SQLite reads it as
// REAL; infinities are 9e999 and -9e999, NaN is null.
func encodeWeights(trace []runner.Row, steps int, storage grid.TraceStorage) string {
	all := storage.Every == 1
	buf := make([]byte, 0, 20*len(trace)/storage.Every+16)
	if all {
		buf = append(buf, '[')
	} else {
		buf = append(buf, '{')
	}
	first := true
	for _, row := range trace {
		if !storage.Keeps(row.Step, steps) {
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

// Write stores every record received from records, a batch at a time,
// until the channel is closed, into the sweep sw. A run's row and its trace
// are written in one transaction; a record whose config is already stored
// (by another process, say) is skipped, trace and all. stored, when not
// nil, is called with each batch once it is written (not yet committed).
//
// Write keeps going after ctx is canceled: on Ctrl-C the pool stops handing
// out configs and closes records, and everything finished is committed.
// It returns the first database error, after which it stops reading.
func (s *Store) Write(ctx context.Context, sw *Sweep, records <-chan []*Record, stored func([]*Record)) (err error) {
	ctx = context.WithoutCancel(ctx)
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("open %s for writing: %w", s.path, err)
	}
	defer conn.Close()
	// The writer talks to the driver's connection directly: database/sql
	// converts and locks for every statement, which costs more than SQLite
	// takes to store a small row.
	return conn.Raw(func(dc any) error {
		dconn, ok := dc.(driverConn)
		if !ok {
			return fmt.Errorf("open %s for writing: the SQLite driver lacks prepared statements with contexts", s.path)
		}
		return s.write(ctx, newWriter(dconn, sw), records, stored)
	})
}

// driverConn is what the writer needs of the driver's connection.
type driverConn interface {
	driver.ConnPrepareContext
	driver.ExecerContext
}

func (s *Store) write(ctx context.Context, w *writer, records <-chan []*Record, stored func([]*Record)) (err error) {
	defer w.closeStmts()
	defer func() {
		if err != nil && w.inTx {
			w.conn.ExecContext(ctx, "ROLLBACK", nil)
		}
	}()
	ticker := time.NewTicker(commitEvery / 4)
	defer ticker.Stop()
	for {
		select {
		case batch, ok := <-records:
			if !ok {
				if err := w.commit(ctx); err != nil {
					return fileError(s.path, "commit", err)
				}
				return nil
			}
			for _, rec := range batch {
				if err := w.write(ctx, rec); err != nil {
					return fileError(s.path, fmt.Sprintf("store run %d", rec.Config.Index), err)
				}
			}
			if stored != nil {
				stored(batch)
			}
			if w.pendingBytes >= commitBytes || time.Since(w.txStart) >= commitEvery {
				if err := w.commit(ctx); err != nil {
					return fileError(s.path, "commit", err)
				}
			}
		case <-ticker.C:
			if w.inTx && time.Since(w.txStart) >= commitEvery {
				if err := w.commit(ctx); err != nil {
					return fileError(s.path, "commit", err)
				}
			}
		}
	}
}

// rowsPerInsert is how many runs (or traces) one INSERT carries: SQLite
// parses and plans the statement once for all of them, and database/sql's
// cost per statement, which is most of the cost of a small row, is paid
// once.
const rowsPerInsert = 64

type writer struct {
	conn  driverConn
	sweep *Sweep

	// constants holds the SQL text of the columns every run of the sweep
	// shares (its sweep, method and limits), written into the statements
	// instead of bound for every run. constOf is the record they came from.
	constants string
	constOf   *Record

	runStmts   map[int]stmt // by runs per statement
	traceStmts map[int]stmt // by traces per statement
	batch      []*Record    // runs waiting for the next INSERT
	args       []driver.NamedValue

	inTx         bool
	txStart      time.Time
	pendingBytes int
}

// stmt is a prepared statement of the driver.
type stmt interface {
	driver.Stmt
	driver.StmtExecContext
}

func newWriter(conn driverConn, sw *Sweep) *writer {
	return &writer{conn: conn, sweep: sw, runStmts: map[int]stmt{}, traceStmts: map[int]stmt{}}
}

func (w *writer) closeStmts() {
	for _, m := range []map[int]stmt{w.runStmts, w.traceStmts} {
		for _, st := range m {
			st.Close()
		}
	}
}

func (w *writer) prepare(ctx context.Context, query string) (stmt, error) {
	ds, err := w.conn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st, ok := ds.(stmt)
	if !ok {
		ds.Close()
		return nil, fmt.Errorf("the SQLite driver's statements take no context")
	}
	return st, nil
}

// arg appends one bound value.
func (w *writer) arg(v driver.Value) {
	w.args = append(w.args, driver.NamedValue{Ordinal: len(w.args) + 1, Value: v})
}

// runStmt returns the statement that inserts n runs.
func (w *writer) runStmt(ctx context.Context, n int) (stmt, error) {
	if st, ok := w.runStmts[n]; ok {
		return st, nil
	}
	rate := "alpha"
	if w.constOf.Config.Method == grid.HotCold {
		rate = "step_amount"
	}
	// Per run: sweep_id, method, iterations, tolerance, divergence are
	// constants; id, config_index, the rate, input, goal, weight, verdict,
	// steps, final_weight, final_error, predicted_verdict, predicted_steps
	// are bound. A run stored already (by another process running the same
	// sweep) has the same id and is skipped.
	// Verdicts are bound as numbers and named in SQL: binding a text costs
	// the driver an allocation and a copy, a number does not.
	row := "(" + w.constants + ", ?, ?, ?, ?, ?, ?, " + verdictName + ", ?, ?, ?, " + verdictName + ", ?)"
	st, err := w.prepare(ctx, `
		INSERT INTO runs (sweep_id, method, iterations, tolerance, divergence,
			id, config_index, `+rate+`, input, goal, weight, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps)
		VALUES `+strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")+`
		ON CONFLICT (id) DO NOTHING`)
	if err != nil {
		return nil, err
	}
	w.runStmts[n] = st
	return st, nil
}

// traceStmt returns the statement that inserts n traces.
func (w *writer) traceStmt(ctx context.Context, n int) (stmt, error) {
	if st, ok := w.traceStmts[n]; ok {
		return st, nil
	}
	// A trace whose run was stored already is stored already too: the two
	// are always written in one transaction.
	st, err := w.prepare(ctx,
		"INSERT INTO trace_weights (run_id, weights) VALUES "+strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")+
			" ON CONFLICT (run_id) DO NOTHING")
	if err != nil {
		return nil, err
	}
	w.traceStmts[n] = st
	return st, nil
}

func (w *writer) begin(ctx context.Context) error {
	// IMMEDIATE takes the write lock now, so a concurrent writer waits
	// (busy_timeout) rather than failing halfway through the transaction.
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE", nil); err != nil {
		return err
	}
	w.inTx, w.txStart, w.pendingBytes = true, time.Now(), 0
	return nil
}

func (w *writer) commit(ctx context.Context) error {
	if !w.inTx {
		return nil
	}
	if err := w.flush(ctx); err != nil {
		return err
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT", nil); err != nil {
		return err
	}
	w.inTx = false
	return nil
}

// write adds a record to the open transaction (opening one if need be); it
// reaches the database with the next full batch or at the commit.
func (w *writer) write(ctx context.Context, rec *Record) error {
	if w.constOf == nil {
		c := rec.Config
		w.constOf = rec
		w.constants = fmt.Sprintf("%d, '%s', %d, %s, %s", w.sweep.ID, c.Method, c.Limits.Iterations,
			sqlReal(c.Limits.Tolerance), sqlReal(c.Limits.Divergence))
	} else if rec.Config.Method != w.constOf.Config.Method || rec.Config.Limits != w.constOf.Config.Limits {
		return fmt.Errorf("config %d has other settings than config %d of the same sweep", rec.Config.Index, w.constOf.Config.Index)
	}
	if !w.inTx {
		if err := w.begin(ctx); err != nil {
			return err
		}
	}
	w.batch = append(w.batch, rec)
	w.pendingBytes += len(rec.Weights) + 100
	if len(w.batch) == rowsPerInsert {
		return w.flush(ctx)
	}
	return nil
}

// verdictName is the SQL that names the verdict bound as its number.
var verdictName = func() string {
	var b strings.Builder
	b.WriteString("CASE ?")
	for _, v := range runner.Verdicts {
		fmt.Fprintf(&b, " WHEN %d THEN '%s'", v, v)
	}
	b.WriteString(" END")
	return b.String()
}()

// sqlReal writes a finite float as an SQL literal that reads back as the
// same float64 (shortest decimal, with an exponent or point so that it is
// a REAL).
func sqlReal(f float64) string {
	return string(appendJSONFloat(nil, f))
}

// flush inserts the batch of runs and their traces.
func (w *writer) flush(ctx context.Context) error {
	if len(w.batch) == 0 {
		return nil
	}
	st, err := w.runStmt(ctx, len(w.batch))
	if err != nil {
		return err
	}
	w.args = w.args[:0]
	for _, rec := range w.batch {
		c := rec.Config
		w.arg(w.sweep.FirstRunID + c.Index)
		w.arg(c.Index)
		w.arg(c.Rate)
		w.arg(c.Input)
		w.arg(c.Goal)
		w.arg(c.Weight)
		w.arg(int64(rec.Verdict))
		w.arg(int64(rec.Steps))
		w.arg(rec.FinalWeight)
		w.arg(rec.FinalError)
		if p := rec.Prediction; p != nil {
			w.arg(int64(p.Verdict))
			w.arg(int64(p.Steps))
		} else {
			w.arg(nil)
			w.arg(nil)
		}
	}
	if _, err := st.ExecContext(ctx, w.args); err != nil {
		return err
	}
	w.args = w.args[:0]
	n := 0
	for _, rec := range w.batch {
		if rec.Weights != "" {
			w.arg(w.sweep.FirstRunID + rec.Config.Index)
			w.arg(rec.Weights)
			n++
		}
	}
	w.batch = w.batch[:0]
	if n == 0 {
		return nil
	}
	ts, err := w.traceStmt(ctx, n)
	if err != nil {
		return err
	}
	_, err = ts.ExecContext(ctx, w.args)
	return err
}
