package command

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"sweep/internal/command/argv"
	"sweep/internal/grid"
	"sweep/internal/runner"
)

// Program is a user's program, as a sweep file gives it.
type Program struct {
	Argv    []string      // the program and its arguments, with {name} placeholders
	Dir     string        // the working directory (the sweep file's); "" for sweep's own
	Timeout time.Duration // the most one run may take; 0 (or less) for no limit
	Grace   time.Duration // between SIGTERM and SIGKILL; 0 (or less) for DefaultGrace
}

// DefaultGrace is the time a program has to exit after SIGTERM before it
// is killed, when Program.Grace is 0.
const DefaultGrace = 2 * time.Second

// Param is one parameter of a config: the name a placeholder uses (a
// lowercase identifier) and its value.
type Param struct {
	Name  string
	Value float64
	// Integer writes the value as a whole number (1000, not 1000.0): a
	// count, such as iterations, that a program reads with int().
	Integer bool
}

// Outcome is what one run of a program came to.
type Outcome struct {
	Steps   int            // trace rows the run had; the deciding row, if any, is the last
	Verdict runner.Verdict // Converged ... Unfinished, or Failed
	Last    Row            // the last row (the deciding one unless Failed); zero when Steps == 0
	// Reason says why a run Failed: "exit status 3", "signal: segmentation
	// fault", "timeout after 30s", "protocol: line 4, column 9: ...", "no
	// trace rows", "start: ...". It is empty for the other verdicts.
	Reason string
	// Facts are those of every row read (none when Steps is 0).
	Facts runner.Facts
	// Stderr is the end of what the program wrote to stderr, kept for
	// every run: at most its last 20 lines and 4 KiB, invalid UTF-8 and
	// NUL bytes replaced by U+FFFD.
	Stderr string
}

// The bounds on what a program's stdout can make Run hold.
const (
	maxLog       = 1 << 20  // bytes of log lines (all but trace rows) in one run
	chunkRows    = 4096     // rows per call of emit
	chunkMetrics = 64 << 10 // metrics per call of emit, for rows with many

	// maxKept is the most bytes of trace rows, as printed, that one run
	// keeps (passes to emit): the caller holds a run's kept rows until it
	// stores them, as one value (SQLite's largest is 1 GB), and rows of
	// many metrics could otherwise add up to 64 GiB in a million
	// iterations. It is room for 1,000,000 rows of the lesson's printout
	// (150 bytes each) with a few metrics besides.
	maxKept = 256 << 20
)

// what ended a run, claimed by whichever comes first.
const (
	endNone     int32 = iota
	endDecided        // Run read a deciding row or a protocol error, and stops the program
	endExited         // the program exited by itself
	endTimeout        // Program.Timeout passed
	endCanceled       // ctx was canceled
)

// Run runs p once for the config params, judges its trace row by row as it
// arrives with the limits lim, and returns the run's outcome once the
// program is stopped and reaped.
//
// It passes the rows it keeps to emit, in chunks, in step order: every row
// when every is 1, none when it is 0, the rows at steps 0, every,
// 2*every, ... otherwise; and always the last row (the deciding one, or
// for a failed run the last the program printed), as the last row of the
// last chunk. The chunk and the rows' Metrics are reused once emit returns.
// emit may be nil.
//
// Every way a program can misbehave is an Outcome with the verdict Failed.
// Run returns an error only when ctx is canceled before the run is decided
// (the program is stopped and reaped, and the error is ctx.Err(): the run
// must not be stored, and the rows emitted so far are not a run) and for a
// caller's mistake: params that do not match p.Argv's placeholders (Check
// finds that before), a non-finite parameter value, a negative every, or no
// pipes to be had.
func (p Program) Run(ctx context.Context, params []Param, lim grid.Limits, every int, emit func(rows []Row)) (Outcome, error) {
	if every < 0 {
		return Outcome{}, fmt.Errorf("command: keeping every %d rows", every)
	}
	args, env, err := p.expand(params)
	if err != nil {
		return Outcome{}, err
	}
	if err := ctx.Err(); err != nil {
		return Outcome{}, err
	}
	path, err := lookProgram(p.Dir, args[0])
	if err != nil {
		return Outcome{Verdict: runner.Failed, Reason: "start: " + err.Error()}, nil
	}

	outR, outW, err := os.Pipe()
	if err != nil {
		return Outcome{}, fmt.Errorf("command: stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return Outcome{}, fmt.Errorf("command: stderr pipe: %w", err)
	}
	cmd := &exec.Cmd{Path: path, Args: args, Env: env, Dir: p.Dir, Stdout: outW, Stderr: errW, SysProcAttr: sysProcAttr()}
	pr, err := startProc(cmd)
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return Outcome{Verdict: runner.Failed, Reason: "start: " + err.Error()}, nil
	}
	grace := p.Grace
	if grace <= 0 {
		grace = DefaultGrace
	}
	if emit == nil {
		emit = func([]Row) {}
	}
	s := &session{
		proc:    pr,
		grace:   grace,
		stdout:  &pipeReader{f: outR},
		errPipe: &pipeReader{f: errR},
		judge:   judge{lim: lim},
		facts:   runner.NewFactTracker(lim.Tolerance),
		keep:    keeper{every: every, emit: emit},
	}
	return s.run(ctx, p.Timeout)
}

// expand returns p's argv for params and the program's environment: sweep's
// own plus SWEEP_<NAME>=<value> for each parameter.
func (p Program) expand(params []Param) (args, env []string, err error) {
	names := make([]string, len(params))
	values := make([]string, len(params))
	// sweep's own environment, but for the SWEEP_ variables it may have
	// inherited (a shell's leftover SWEEP_MOMENTUM): a program sees the
	// parameters of its config, and those alone.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWEEP_") {
			env = append(env, kv)
		}
	}
	for i, pm := range params {
		if slices.Contains(names[:i], pm.Name) {
			return nil, nil, fmt.Errorf("command: parameter %s given twice", pm.Name)
		}
		names[i] = pm.Name
		switch {
		case pm.Integer && pm.Value == math.Trunc(pm.Value) && math.Abs(pm.Value) < 1<<53:
			values[i] = strconv.FormatInt(int64(pm.Value), 10)
		default:
			if values[i], err = argv.Format(pm.Value); err != nil {
				return nil, nil, fmt.Errorf("command: parameter %s: %w", pm.Name, err)
			}
		}
		env = append(env, "SWEEP_"+strings.ToUpper(pm.Name)+"="+values[i])
	}
	t, err := argv.Parse(p.Argv, names)
	if err != nil {
		return nil, nil, fmt.Errorf("command: %w", err)
	}
	return t.Expand(values), env, nil
}

// session is one running program and what Run has read of it.
type session struct {
	proc    *proc
	grace   time.Duration
	stdout  *pipeReader // read by run
	errPipe *pipeReader // stderr, drained into the tail stderr
	end     atomic.Int32

	judge  judge
	facts  runner.FactTracker // of every row read
	keep   keeper
	parser lineParser
	stderr tail

	steps   int
	kept    int // bytes of the rows kept, as printed
	last    Row
	verdict runner.Verdict
	proto   error // the protocol error that ended the run, if one did
}

func (s *session) claim(end int32) bool { return s.end.CompareAndSwap(endNone, end) }

func (s *session) run(ctx context.Context, timeout time.Duration) (Outcome, error) {
	stderrDone := make(chan struct{})
	go func() {
		s.stderr.drain(s.errPipe)
		close(stderrDone)
	}()
	go unstick(s.errPipe, s.proc.done, stderrDone)
	readDone := make(chan struct{})
	go unstick(s.stdout, s.proc.done, readDone)

	// The watcher ends the run on cancellation or timeout: it interrupts
	// the read of stdout and stops the program.
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		var expired <-chan time.Time
		if timeout > 0 {
			t := time.NewTimer(timeout)
			defer t.Stop()
			expired = t.C
		}
		var end int32
		select {
		case <-ctx.Done():
			end = endCanceled
		case <-expired:
			end = endTimeout
		case <-readDone:
			return
		}
		if s.claim(end) {
			_ = s.stdout.f.SetReadDeadline(time.Now())
			s.proc.stop(s.grace)
		}
	}()

	reading := true
	defer func() {
		if reading {
			// emit panicked: leave no program behind as the panic goes on.
			if s.claim(endDecided) {
				s.stdout.f.Close()
				s.proc.signal(true)
			}
			close(readDone)
			<-s.proc.done
		}
	}()
	decided := s.read()
	reading = false
	if decided {
		if s.claim(endDecided) {
			// Nothing more is read: a program writing on gets EPIPE.
			s.stdout.f.Close()
			s.proc.stop(s.grace)
		}
	} else {
		// The end of stdout: wait for the program's exit (or for the
		// watcher, which may be stopping it).
		<-s.proc.done
		s.claim(endExited)
	}
	close(readDone)
	<-watchDone
	<-s.proc.done
	<-stderrDone
	s.stdout.f.Close()
	s.errPipe.f.Close()

	o := Outcome{Steps: s.steps, Stderr: s.stderr.String(), Facts: s.facts.Facts()}
	switch s.end.Load() {
	case endCanceled:
		return Outcome{}, ctx.Err()
	case endTimeout:
		o.Verdict, o.Reason = runner.Failed, fmt.Sprintf("timeout after %v", timeout)
	case endDecided:
		if s.proto != nil {
			o.Verdict, o.Reason = runner.Failed, "protocol: "+s.proto.Error()
		} else {
			o.Verdict = s.verdict
		}
	case endExited:
		switch st := s.proc.state; {
		case st == nil:
			o.Verdict, o.Reason = runner.Failed, "wait: "+s.proc.err.Error()
		case !st.Success() && stoppedWithSweep(ctx, st):
			return Outcome{}, ctx.Err()
		case !st.Success():
			o.Verdict, o.Reason = runner.Failed, st.String()
		case s.steps == 0:
			o.Verdict, o.Reason = runner.Failed, "no trace rows"
		default:
			o.Verdict = runner.Unfinished
		}
	}
	if s.steps > 0 {
		o.Last = s.last
		o.Last.Metrics = slices.Clone(s.last.Metrics)
		s.keep.finish(s.last)
	}
	return o, nil
}

// read reads stdout to its end or to the row or protocol error that
// decides the run, and reports whether one did.
func (s *session) read() (decided bool) {
	br := bufio.NewReaderSize(s.stdout, maxLine+2) // the line, \r and \n
	var (
		lineNo, logBytes int
		row              Row
		metrics          [2][]Metric // the rows' metrics, alternately, so that the last row's survive a failed parse of the next
	)
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			s.proto = fmt.Errorf("line %d is longer than %d bytes", lineNo+1, maxLine)
			return true
		}
		if len(line) > 0 {
			lineNo++
			size := len(line)
			line = trimNewline(line)
			if len(line) > maxLine {
				s.proto = fmt.Errorf("line %d is longer than %d bytes", lineNo, maxLine)
				return true
			}
			buf := metrics[s.steps%2][:0]
			step, buf, perr := s.parser.parse(line, lineNo, s.steps, &row, buf)
			metrics[s.steps%2] = buf
			if perr != nil {
				s.proto = perr
				return true
			}
			if !step {
				if logBytes += size; logBytes > maxLog {
					s.proto = fmt.Errorf("more than %d MiB of output that is not trace rows", maxLog>>20)
					return true
				}
			} else {
				s.steps++
				s.last = row
				s.facts.Add(row.Step, row.Error, row.Delta)
				s.keep.add(row)
				if s.keep.kept {
					if s.kept += size; s.kept > maxKept {
						s.proto = fmt.Errorf("more than %d MiB of trace rows to store; keep fewer with trace: every:N", maxKept>>20)
						return true
					}
				}
				if v, ok := s.judge.next(&row); ok {
					s.verdict = v
					return true
				}
			}
		}
		if err != nil {
			// io.EOF, or a deadline set by the watcher or by unstick: the
			// end of the output either way; run tells which.
			return false
		}
	}
}

// trimNewline returns line without its final "\n" or "\r\n".
func trimNewline(line []byte) []byte {
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
	}
	return line
}

// keeper passes the rows a run keeps to emit, a chunk at a time.
type keeper struct {
	every int
	emit  func([]Row)
	due   int  // the next step to keep, when every > 0
	kept  bool // whether the last row given to add was kept
	rows  []Row
	arena []Metric // the metrics of rows
}

// add takes the next row of the trace and keeps it if it is due.
func (k *keeper) add(r Row) {
	k.kept = k.every > 0 && r.Step == k.due
	if k.kept {
		k.due += k.every
		k.push(r)
	}
}

// push keeps r, copying its metrics, and passes on a full chunk.
func (k *keeper) push(r Row) {
	if len(r.Metrics) > 0 {
		start := len(k.arena)
		k.arena = append(k.arena, r.Metrics...)
		r.Metrics = k.arena[start:len(k.arena):len(k.arena)]
	}
	k.rows = append(k.rows, r)
	if len(k.rows) >= chunkRows || len(k.arena) >= chunkMetrics {
		k.flush()
	}
}

func (k *keeper) flush() {
	if len(k.rows) > 0 {
		k.emit(k.rows)
	}
	k.rows, k.arena = k.rows[:0], k.arena[:0]
}

// finish keeps last, the run's last row, unless it is kept already, and
// passes on the rows not yet passed on.
func (k *keeper) finish(last Row) {
	if !k.kept {
		k.push(last)
	}
	k.flush()
}
