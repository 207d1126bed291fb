package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sync/semaphore"

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
	Facts       runner.Facts       // of every row, stored or not; none when Steps is 0
	FinalWeight float64
	FinalError  float64
	// Weights is the stored trace as trace_weights.weights holds it (for
	// a program, as trace_values.rows does), or "" when the sweep keeps no
	// trace. A Record made by a Sender lends the memory of Weights from
	// its queue: once the writer has inserted the record, Weights is ""
	// and the memory holds another run's trace.
	Weights string
	// Params is runs.params of a program's run: its axes that have no
	// column, as a JSON object; "" for the built-in rules.
	Params string
	// Failure says why a program's run failed (verdict failed); nil for
	// any other.
	Failure *Failure
	// Chunk numbers the part of a program's trace Weights holds (see
	// ProgramTrace); TraceOnly says the record is that part alone, not yet
	// the run.
	Chunk     int
	TraceOnly bool

	room  int64  // what the record holds of its queue's budget
	lent  []byte // the memory of Weights, when lent by queue
	queue *Queue
}

// Failure is why a program's run failed, as run_failures holds it.
type Failure struct {
	Reason string // "exit status 3", "signal: killed", "timeout after 30s", "protocol: ..."
	Stderr string // the last lines the program wrote to stderr
}

// giveBack gives the memory of Weights back to the queue it was lent by,
// once the writer has inserted the record.
func (r *Record) giveBack() {
	if r.lent != nil {
		r.Weights = ""
		r.queue.recycle(r.lent)
		r.lent = nil
	}
}

// NewRecord prepares r for storage, keeping the trace rows that storage
// says. It copies what it needs: r and its trace may be reused once it
// returns.
func NewRecord(r *runner.Result, storage grid.TraceStorage) *Record {
	rec := newRecord(r)
	if storage.Every > 0 {
		var e traceEncoder
		e.start(storage, r.Config.Limits.Iterations)
		e.add(r.Trace)
		rec.Weights = string(e.finish(r.Last()))
	}
	return rec
}

// newRecord is r as a Record, without its trace.
func newRecord(r *runner.Result) *Record {
	last := r.Last()
	return &Record{
		Config: r.Config, Verdict: r.Verdict, Prediction: r.Prediction,
		Steps: r.Steps, Facts: r.Facts, FinalWeight: last.Weight, FinalError: last.Error,
	}
}

// maxFloatBytes is the longest text appendJSONFloat writes,
// -2.2250738585072014e-308.
const maxFloatBytes = 24

// traceEncoder writes the weights of the stored rows of a run as JSON,
// a chunk of rows at a time: an array [w0, w1, ...] when every row is kept,
// else an object {"0": w0, "10": w10, ...}. Each number is the shortest
// text that reads back as the same float64, always with a point or an
// exponent so that SQLite reads it as REAL; infinities are 9e999 and
// -9e999, NaN is null. Its buffer is reused from run to run.
type traceEncoder struct {
	every  int
	rowMax int // the most text one row takes
	bound  int // the most text the run's trace can take
	buf    []byte
	rows   int // rows written
	step   int // the step of the last row written
	// q, when not nil, rations large buffers: the encoder holds one of
	// q's bigTraces tokens (token) while its buffer is larger than
	// lendBytes, so that however many workers a sweep has, at most
	// bigTraces of them hold a trace of megabytes at once.
	q     *Queue
	token bool
	// handOver hands the Sender's batch to the writer before the encoder
	// waits for a token.
	handOver func()
	// small is the encoder's own buffer of at most lendBytes, reused from
	// run to run: growing one afresh for every long run would leave a
	// megabyte of garbage each time.
	small []byte
}

// start begins the trace of a run of at most iterations steps.
func (e *traceEncoder) start(storage grid.TraceStorage, iterations int) {
	e.every, e.rows, e.buf = storage.Every, 0, e.buf[:0]
	e.rowMax = 1 + maxFloatBytes // and a comma
	if e.every > 1 {
		e.rowMax += len(`"":`) + len(strconv.Itoa(iterations))
	}
	e.bound = (iterations/max(e.every, 1)+2)*e.rowMax + 2
	if e.every == 1 {
		e.buf = append(e.buf, '[')
	} else {
		e.buf = append(e.buf, '{')
	}
}

// add writes the rows at steps 0, every, 2*every, ... of trace, which is
// in step order and follows the rows given before.
func (e *traceEncoder) add(trace []runner.Row) {
	for _, row := range trace {
		if e.every > 1 && row.Step%e.every != 0 {
			continue
		}
		e.write(row)
	}
}

func (e *traceEncoder) write(row runner.Row) {
	if cap(e.buf)-len(e.buf) <= e.rowMax { // and one byte for the closing bracket
		e.grow()
	}
	if e.rows > 0 {
		e.buf = append(e.buf, ',')
	}
	if e.every > 1 {
		e.buf = append(e.buf, '"')
		e.buf = strconv.AppendInt(e.buf, int64(row.Step), 10)
		e.buf = append(e.buf, '"', ':')
	}
	e.buf = appendJSONFloat(e.buf, row.Weight)
	e.rows++
	e.step = row.Step
}

// grow doubles the buffer up to lendBytes, and past that makes it as large
// as the run's trace can get at once. append would grow a large buffer by a
// quarter at a time, leaving each old one, megabytes, to the garbage
// collector, which lets the heap reach twice what is live before it
// collects; grown at once, and reused from run to run (Queue.buffer), the
// large buffers of a sweep are made once each and are never garbage.
func (e *traceEncoder) grow() {
	need := len(e.buf) + e.rowMax + 1
	size := max(2*cap(e.buf), 4096)
	var b []byte
	if size > lendBytes {
		size = e.bound
		if e.q != nil && !e.token {
			e.token = e.q.bigTraces.TryAcquire(1)
		}
		if e.q != nil && !e.token {
			// Hand over the finished runs first: a worker holding a
			// token may be waiting for the room they hold. A writer
			// that stopped ends the wait (the sweep is failing, and
			// Done will say so).
			e.handOver()
			e.token = e.q.bigTraces.Acquire(e.q.stopped, 1) == nil
		}
		if e.q != nil {
			b = e.q.buffer()
		}
	}
	if cap(b) < max(size, need) {
		b = make([]byte, 0, max(size, need))
	}
	b = b[:len(e.buf)]
	copy(b, e.buf)
	if cap(b) <= lendBytes {
		e.small = b // kept for the next run once a large buffer is given up
	}
	e.buf = b
}

// giveUp hands the encoder's large buffer, if it has one, back to its
// queue for reuse and returns its token: the buffer was lent to a record
// (lent), or the run that needed it is over.
func (e *traceEncoder) giveUp(lent bool) {
	if e.q == nil || cap(e.buf) <= lendBytes && !e.token {
		return
	}
	if !lent && cap(e.buf) > lendBytes {
		e.q.recycle(e.buf)
	}
	e.buf = e.small[:0]
	if e.token {
		e.token = false
		e.q.bigTraces.Release(1)
	}
}

// finish writes the deciding row last, which is always stored, unless add
// wrote it already, and returns the text, which is e's buffer: valid until
// the next start.
func (e *traceEncoder) finish(last runner.Row) []byte {
	if e.rows == 0 || e.step != last.Step {
		e.write(last)
	}
	if e.every == 1 {
		return append(e.buf, ']') // there is room: see write
	}
	return append(e.buf, '}')
}

// appendJSONFloat appends f as traceEncoder says. A zero is written 0.0
// whatever its sign: SQLite keeps no sign of zero in a REAL column
// (runs.weight, final_weight), so the trace keeps none either, and a run
// reads back with one sign of zero everywhere.
func appendJSONFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "null"...)
	case math.IsInf(f, 1):
		return append(buf, "9e999"...)
	case math.IsInf(f, -1):
		return append(buf, "-9e999"...)
	case f == 0:
		return append(buf, "0.0"...)
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

// Memory policy: what a sweep holds does not grow with its iterations, its
// configs or its workers. A worker holds one chunk of rows and the encoded
// trace of the run it is training (runner.Sweep, Sender), and only
// bigTraces workers at a time a trace of more than lendBytes; finished runs
// wait for the one writer in a Queue that holds at most QueueBytes of them,
// counted from the moment their trace text is copied into a Record until
// the writer has taken them; and the writer, which holds what it took until
// its next INSERT, inserts its pending runs once their traces reach
// insertBytes. A run whose trace alone is larger than the whole budget still
// passes: it counts as the whole budget, and travels alone.
const (
	// QueueBytes is the budget of a Queue: 16 MiB is room for hundreds of
	// batches of short runs (W1's are 8 KB each), so that the workers never
	// wait for the writer while it commits, and for one run of 800,000
	// stored rows.
	QueueBytes = 16 << 20
	// batchRecords and batchBytes end a Sender's batch: enough that the
	// cost of handing it over is small beside it, little enough that a
	// batch never holds more than about a megabyte, or one run.
	batchRecords = 64
	batchBytes   = 1 << 20
	// recordBytes is what a Record costs besides its trace text.
	recordBytes = 256
	// lendBytes is the size from which a Sender lends its trace buffer to
	// the record instead of copying the trace into it.
	lendBytes = 1 << 20
	// insertBytes ends the writer's INSERT batch before rowsPerInsert runs
	// when their traces add up to it: the driver copies every bound text
	// into C memory, and SQLite copies it again into the record it builds.
	insertBytes = 1 << 20
)

// errQueueClosed is what a Sender gets when it hands over records after
// the writer has returned without an error, which a correct caller never
// does: it closes the queue only once every Sender is closed.
var errQueueClosed = errors.New("the writer has stopped")

// A Queue carries batches of records from any number of Senders to the one
// writer (Store.WriteQueue) and bounds the memory they hold while they
// wait: at most its budget of trace text, in bytes.
type Queue struct {
	records chan []*Record
	room    *semaphore.Weighted
	budget  int64
	// stopped is canceled, with the writer's error as its cause, when the
	// writer returns, so that no Sender waits for room that will never
	// come.
	stopped context.Context
	stop    context.CancelCauseFunc
	// free holds large trace buffers the writer gave back, for the next
	// encoders that need one: as many as may be in use (bigTraces), so
	// that none is left to the garbage collector, which lets the heap
	// grow to twice what is live before it collects.
	free chan []byte
	// bigTraces are the tokens of encoders holding a large buffer (see
	// traceEncoder.q).
	bigTraces *semaphore.Weighted
}

// bigTraces is how many runs may encode a trace of more than lendBytes at
// once: two keep the one writer busy (such a run takes longer to store than
// to train), and with the queue's, the free ones and the writer's own they
// bound the large buffers of a sweep at seven, whatever --jobs is.
const bigTraces = 2

// NewQueue returns a Queue that holds at most budget bytes of records.
func NewQueue(budget int64) *Queue {
	stopped, stop := context.WithCancelCause(context.Background())
	return &Queue{
		records: make(chan []*Record, 64), // the budget, not the length, bounds memory
		room:    semaphore.NewWeighted(budget),
		budget:  budget,
		stopped: stopped,
		stop:    stop,
		free:    make(chan []byte, bigTraces),

		bigTraces: semaphore.NewWeighted(bigTraces),
	}
}

// buffer returns a trace buffer the writer gave back, or nil when there is
// none.
func (q *Queue) buffer() []byte {
	select {
	case b := <-q.free:
		return b[:0]
	default:
		return nil
	}
}

// recycle keeps b for the next run's trace if there is room in the free
// list, and leaves it to the garbage collector if not.
func (q *Queue) recycle(b []byte) {
	select {
	case q.free <- b:
	default:
	}
}

// weight is what a record of a trace text of n bytes counts against the
// budget: a record larger than the budget counts as the budget, so that it
// can pass, alone.
func (q *Queue) weight(n int) int64 { return min(int64(n)+recordBytes, q.budget) }

// Close tells the writer that no more records come; it commits those it
// has and returns. Every Sender must be closed first.
func (q *Queue) Close() { close(q.records) }

// WriteQueue is Write for the records of q: it gives the room of each batch
// back to q once the batch is written, and when it returns (the queue was
// closed, or the database failed) it makes every Sender of q stop waiting,
// with its error.
func (s *Store) WriteQueue(ctx context.Context, sw *Sweep, q *Queue, stored func([]*Record)) error {
	err := s.Write(ctx, sw, q.records, func(batch []*Record) {
		var n int64
		for _, rec := range batch {
			n += rec.room
		}
		q.room.Release(n)
		if stored != nil {
			stored(batch)
		}
	})
	if err != nil {
		q.stop(err)
	} else {
		q.stop(errQueueClosed)
	}
	return err
}

// A Sender batches one producer's records into a Queue: a batch goes when it
// holds batchRecords records or batchBytes of trace text. It is the
// runner.Sink of one worker of a sweep, encoding each run's rows as they
// are trained, and takes whole records from Add. A Sender is not safe for
// concurrent use.
type Sender struct {
	q       *Queue
	storage grid.TraceStorage
	enc     traceEncoder // the trace of the run being trained
	batch   []*Record
	bytes   int64 // the room batch holds
}

// Sender returns a new Sender into q of runs stored as storage says.
func (q *Queue) Sender(storage grid.TraceStorage) *Sender {
	s := &Sender{q: q, storage: storage, batch: make([]*Record, 0, batchRecords), enc: traceEncoder{q: q}}
	s.enc.handOver = func() { s.flush() }
	return s
}

// Start begins the trace of the run of c.
func (s *Sender) Start(c grid.Config) {
	s.enc.giveUp(false) // the last run's, if it was large (or abandoned)
	if s.storage.Every > 0 {
		s.enc.start(s.storage, c.Limits.Iterations)
	}
}

// Rows encodes the next rows of the run being trained, which the runner
// gives only as storage keeps them.
func (s *Sender) Rows(rows []runner.Row) {
	if s.storage.Every > 0 {
		s.enc.add(rows)
	}
}

// Done adds the run whose rows Rows encoded, waiting for room in the queue;
// it returns the writer's error if the writer stopped first.
func (s *Sender) Done(r *runner.Result) error {
	rec := newRecord(r)
	if s.storage.Every == 0 {
		return s.Add(rec)
	}
	text := s.enc.finish(r.Last())
	if len(text) < lendBytes {
		rec.Weights = string(text)
		return s.Add(rec)
	}
	// A large trace is not copied: the record takes the encoder's buffer,
	// and the writer gives it back to the queue once it has inserted it
	// (the driver copies what it binds), for the encoder of any Sender to
	// reuse. Copying it would make every long run's trace garbage, and the
	// garbage collector lets the heap grow to twice what is live before it
	// collects: 20 MB a run of a million stored rows. The buffer counts
	// against the budget for all its capacity, which is what it holds.
	w := s.q.weight(cap(text))
	if err := s.wait(w); err != nil {
		return err
	}
	rec.Weights = unsafe.String(unsafe.SliceData(text), len(text))
	rec.lent, rec.queue = text, s.q
	s.enc.giveUp(true)
	return s.add(rec, w)
}

// Add adds a record, waiting for room in the queue; it returns the writer's
// error if the writer stopped first.
func (s *Sender) Add(rec *Record) error {
	w := s.q.weight(len(rec.Weights))
	if err := s.wait(w); err != nil {
		return err
	}
	return s.add(rec, w)
}

// Close hands over the batch the Sender holds.
func (s *Sender) Close() error {
	s.enc.giveUp(false)
	return s.flush()
}

// wait takes room w in the queue.
func (s *Sender) wait(w int64) error {
	if s.q.room.TryAcquire(w) {
		return nil
	}
	// Hand over the batch before waiting: the room waited for may be the
	// room this batch holds, which only the writer gives back.
	if err := s.flush(); err != nil {
		return err
	}
	if err := s.q.room.Acquire(s.q.stopped, w); err != nil {
		return context.Cause(s.q.stopped)
	}
	return nil
}

func (s *Sender) add(rec *Record, w int64) error {
	rec.room = w
	s.batch = append(s.batch, rec)
	s.bytes += w
	if len(s.batch) >= batchRecords || s.bytes >= batchBytes {
		return s.flush()
	}
	return nil
}

func (s *Sender) flush() error {
	if len(s.batch) == 0 {
		return nil
	}
	select {
	case s.q.records <- s.batch:
	case <-s.q.stopped.Done():
		return context.Cause(s.q.stopped)
	}
	// The writer owns the batch now.
	s.batch, s.bytes = make([]*Record, 0, batchRecords), 0
	return nil
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

// rowsPerInsert is how many runs (or traces) one INSERT carries at most
// (fewer once their traces reach insertBytes): SQLite parses and plans the
// statement once for all of them, and database/sql's cost per statement,
// which is most of the cost of a small row, is paid once.
const rowsPerInsert = 64

type writer struct {
	conn  driverConn
	sweep *Sweep

	// constants holds the SQL text of the columns every run of the sweep
	// shares (its sweep and method), written into the statements instead
	// of bound for every run. constOf is the config they came from (a
	// copy: the writer keeps no record, and so no trace, once written).
	constants string
	constOf   *grid.Config

	runStmts    map[int]stmt // by runs per statement
	traceStmts  map[int]stmt // by traces per statement
	failureStmt stmt         // inserts one failure, once prepared
	chunkClear  stmt         // clears a program's run's trace, once prepared
	chunkInsert stmt         // inserts a chunk of a program's trace, once prepared
	countStmts  map[int]stmt // by rows of run_counts per statement
	tally       tally        // the counts of the runs of the open transaction
	batch       []*Record    // runs waiting for the next INSERT
	batchBytes  int          // the trace text of batch
	args        []driver.NamedValue

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
	return &writer{conn: conn, sweep: sw, runStmts: map[int]stmt{}, traceStmts: map[int]stmt{}, countStmts: map[int]stmt{}, tally: newTally()}
}

func (w *writer) closeStmts() {
	for _, m := range []map[int]stmt{w.runStmts, w.traceStmts, w.countStmts} {
		for _, st := range m {
			st.Close()
		}
	}
	for _, st := range []stmt{w.failureStmt, w.chunkClear, w.chunkInsert} {
		if st != nil {
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
	rate, params, param := "alpha", "", ""
	switch w.constOf.Method {
	case grid.HotCold:
		rate = "step_amount"
	case grid.Command:
		params, param = ", params", ", ?"
	}
	// Per run: sweep_id and method are constants; the limits, when they
	// are no axes of the sweep, are bound once per statement; the limits
	// otherwise, id, config_index, the rate, input, goal, weight, verdict,
	// steps, final_weight, final_error, predicted_verdict,
	// predicted_steps, the facts and a program's params are bound per
	// run. Every bound value costs the driver a call, more than SQLite
	// takes to store it. A run stored already (by another process running
	// the same sweep) has the same id and is skipped.
	// Verdicts are bound as numbers and named in SQL: binding a text costs
	// the driver an allocation and a copy, a number does not.
	// The limits, when bound once, are ?1 to ?3, first in every row: an
	// anonymous ? is numbered after the largest number before it, so the
	// others are ?4, ?5, ... in order. (Only those three are named: the
	// driver looks every parameter's name up in a list of the named ones.)
	limits := "?, ?, ?"
	if w.sweep.fixedLimits {
		limits = "?1, ?2, ?3"
	}
	facts := strings.Repeat(", ?", factCount)
	row := "(" + limits + ", " + w.constants + ", ?, ?, ?, ?, ?, ?, " + verdictName + ", ?, ?, ?, " + verdictName + ", ?" + facts + param + ")"
	st, err := w.prepare(ctx, `
		INSERT INTO runs (iterations, tolerance, divergence, sweep_id, method,
			id, config_index, `+rate+`, input, goal, weight, verdict, steps, final_weight, final_error,
			predicted_verdict, predicted_steps, `+factColumns+params+`)
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
	table := "trace_weights (run_id, weights)"
	if w.constOf.Method == grid.Command {
		table = "trace_values (run_id, rows)"
	}
	st, err := w.prepare(ctx,
		"INSERT INTO "+table+" VALUES "+strings.TrimSuffix(strings.Repeat("(?, ?), ", n), ", ")+
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
	if err := w.writeCounts(ctx); err != nil {
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
		w.constOf = &c
		w.constants = fmt.Sprintf("%d, '%s'", w.sweep.ID, c.Method)
	} else if rec.Config.Method != w.constOf.Method {
		return fmt.Errorf("config %d has another method than config %d of the same sweep", rec.Config.Index, w.constOf.Index)
	}
	if !w.inTx {
		if err := w.begin(ctx); err != nil {
			return err
		}
	}
	if rec.Config.Method == grid.Command && rec.Weights != "" {
		if err := w.programChunk(ctx, rec); err != nil {
			return err
		}
		w.pendingBytes += len(rec.Weights)
		rec.Weights = ""
	}
	if rec.TraceOnly {
		return nil
	}
	w.batch = append(w.batch, rec)
	w.batchBytes += len(rec.Weights)
	w.pendingBytes += len(rec.Weights) + 100
	if len(w.batch) == rowsPerInsert || w.batchBytes >= insertBytes {
		return w.flush(ctx)
	}
	return nil
}

// programChunk writes a chunk of a program's trace, before the run's own
// row: a run's chunks come first, and the last with its row. Chunk 0
// starts the run, and so clears what an earlier attempt at it (killed
// before it stored the run) left; a run another process has stored
// already keeps its trace. A chunk left by an attempt that never stored
// its run refers to no run: no view shows it, and the run's next attempt
// replaces it.
func (w *writer) programChunk(ctx context.Context, rec *Record) error {
	id := w.sweep.FirstRunID + rec.Config.Index
	if rec.Chunk == 0 {
		if w.chunkClear == nil {
			st, err := w.prepare(ctx, "DELETE FROM trace_values WHERE run_id = ?1 AND NOT EXISTS (SELECT 1 FROM runs WHERE id = ?1)")
			if err != nil {
				return err
			}
			w.chunkClear = st
		}
		if _, err := w.chunkClear.ExecContext(ctx, []driver.NamedValue{{Ordinal: 1, Value: id}}); err != nil {
			return err
		}
	}
	if w.chunkInsert == nil {
		st, err := w.prepare(ctx, `INSERT INTO trace_values (run_id, chunk, rows) SELECT ?1, ?2, ?3
			WHERE NOT EXISTS (SELECT 1 FROM runs WHERE id = ?1)
			ON CONFLICT (run_id, chunk) DO UPDATE SET rows = excluded.rows`)
		if err != nil {
			return err
		}
		w.chunkInsert = st
	}
	_, err := w.chunkInsert.ExecContext(ctx, []driver.NamedValue{{Ordinal: 1, Value: id}, {Ordinal: 2, Value: int64(rec.Chunk)}, {Ordinal: 3, Value: rec.Weights}})
	return err
}

// failures stores why the failed runs of the batch failed, one statement
// per run: failures are few, and a program's run costs far more than its
// statement. A failure of a run stored already is stored already too.
func (w *writer) failures(ctx context.Context) error {
	for _, rec := range w.batch {
		if rec.Failure == nil {
			continue
		}
		if w.failureStmt == nil {
			st, err := w.prepare(ctx, "INSERT INTO run_failures (run_id, reason, stderr) VALUES (?, ?, ?) ON CONFLICT (run_id) DO NOTHING")
			if err != nil {
				return err
			}
			w.failureStmt = st
		}
		args := []driver.NamedValue{
			{Ordinal: 1, Value: w.sweep.FirstRunID + rec.Config.Index},
			{Ordinal: 2, Value: rec.Failure.Reason},
			{Ordinal: 3, Value: rec.Failure.Stderr},
		}
		if _, err := w.failureStmt.ExecContext(ctx, args); err != nil {
			return err
		}
	}
	return nil
}

// verdictName is the SQL that names the verdict bound as its number.
var verdictName = func() string {
	var b strings.Builder
	b.WriteString("CASE ?")
	for _, v := range runner.CommandVerdicts {
		fmt.Fprintf(&b, " WHEN %d THEN '%s'", v, v)
	}
	b.WriteString(" END")
	return b.String()
}()

// factColumns are the columns of runs that hold a run's facts, in the
// order facts binds them.
const (
	factColumns = "overshoot_step, sign_changes, min_error, min_error_step, step_below_1e9_tol, step_below_1e6_tol, step_below_1e3_tol"
	factCount   = 7
)

// facts binds the facts of a run: NULL for those it does not have, and all
// of them when it has no trace row.
func (w *writer) facts(rec *Record) {
	f := &rec.Facts
	if rec.Steps == 0 {
		for range factCount {
			w.arg(nil)
		}
		return
	}
	w.step(f.OvershootStep)
	w.arg(int64(f.SignChanges))
	w.arg(f.MinError) // NaN is stored as NULL
	w.step(f.MinErrorStep)
	for _, s := range f.BelowTolerance {
		w.step(s)
	}
}

// step binds a step, or NULL for -1 (none).
func (w *writer) step(s int) {
	if s < 0 {
		w.arg(nil)
	} else {
		w.arg(int64(s))
	}
}

// count adds the runs of the batch to the counts of the transaction, given
// the result of their INSERT: when fewer were inserted than the batch
// holds, another process stored some first, and their blocks are counted
// again from runs at the commit.
func (w *writer) count(res driver.Result) {
	n, err := res.RowsAffected()
	for _, rec := range w.batch {
		if err != nil || n != int64(len(w.batch)) {
			w.tally.recount[rec.Config.Index/countBlock] = true
		} else {
			w.tally.add(rec)
		}
	}
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
	if w.sweep.fixedLimits {
		l := w.constOf.Limits
		w.arg(int64(l.Iterations))
		w.arg(l.Tolerance)
		w.arg(l.Divergence)
	}
	for _, rec := range w.batch {
		c := rec.Config
		if !w.sweep.fixedLimits {
			w.arg(int64(c.Limits.Iterations))
			w.arg(c.Limits.Tolerance)
			w.arg(c.Limits.Divergence)
		}
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
		w.facts(rec)
		if c.Method == grid.Command {
			if rec.Params != "" {
				w.arg(rec.Params)
			} else {
				w.arg(nil)
			}
		}
	}
	res, err := st.ExecContext(ctx, w.args)
	if err != nil {
		return err
	}
	w.count(res)
	if err := w.failures(ctx); err != nil {
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
	if n > 0 {
		ts, err := w.traceStmt(ctx, n)
		if err != nil {
			return err
		}
		if _, err := ts.ExecContext(ctx, w.args); err != nil {
			return err
		}
	}
	// The writer lets go of the records, traces and all, once inserted:
	// the slices are reused, and what their old elements point to would
	// otherwise live until overwritten.
	clear(w.args)
	w.args = w.args[:0]
	for _, rec := range w.batch {
		rec.giveBack()
	}
	clear(w.batch)
	w.batch, w.batchBytes = w.batch[:0], 0
	return nil
}
