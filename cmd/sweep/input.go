package main

// Input policy. What sweep reads from a file or standard input (a sweep
// file, a statement, a baseline CSV) it reads within a documented size and
// refuses beyond it at once: an endless input (/dev/zero, a device, a file
// named by mistake) would otherwise grow the process until the kernel kills
// it. And a signal ends the wait: a read blocked on a FIFO nobody writes to,
// or on a terminal, cannot be interrupted, so opening and reading happen on
// a goroutine and the caller returns as soon as the context is canceled,
// leaving that goroutine to the process's exit.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"sweep/internal/store"
)

// The sizes sweep reads at most, as the README gives them ("Running a
// sweep", "Sweeps as a CI gate", "Asking the results").
const (
	maxSweepFile    = 16 << 20 // a sweep file; the examples are under 4 KiB
	maxStatement    = 1 << 20  // the statement of sweep query -
	maxBaseline     = 4 << 30  // a baseline CSV; 1.5 million configs take about 300 MB
	maxBaselineLine = 1 << 20  // one line of a baseline CSV; a run's line is under 300 bytes
)

// inputLimits says how much of an input to read before refusing it, and
// what to tell the person who gave it.
type inputLimits struct {
	total int64  // bytes in all
	line  int64  // bytes without a newline; 0: no limit
	what  string // what the input should be, for messages
	hint  string // how to give the right thing
}

var (
	sweepFileLimits = inputLimits{total: maxSweepFile, what: "a sweep file",
		hint: "give the path of a sweep file (YAML) such as experiments/alpha.yaml"}
	statementLimits = inputLimits{total: maxStatement, what: "an SQL statement",
		hint: "give the statement as the argument, or pipe in a file of SQL: sweep query - < query.sql"}
	baselineLimits = inputLimits{total: maxBaseline, line: maxBaselineLine, what: "a baseline CSV",
		hint: "--against takes a CSV made by sweep export --runs, or a sweep database"}
)

// size prints a byte count as the limits are written: 16 MiB, 4 GiB.
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// input reads an opened file or standard input within its limits, and gives
// up with the context's cause when the context is canceled.
type input struct {
	ctx    context.Context
	name   string // the path, or "standard input"
	r      io.Reader
	closer io.Closer // nil for standard input, which is not ours to close
	lim    inputLimits

	n       int64 // bytes read so far
	lineLen int64 // bytes since the last newline
	lines   int64 // newlines read so far
	buf     []byte
	done    chan readResult
	err     error // sticky: once an input fails, it stays failed
}

type readResult struct {
	n   int
	err error
}

// openInput opens path for reading within lim. It returns the *fs.PathError
// of a file that cannot be opened as it is, for the caller to word; a
// *store.FileError for a directory; and an error wrapping
// context.Cause(ctx) when ctx is canceled first (opening a FIFO waits for a
// writer); see canceledError.
func openInput(ctx context.Context, path string, lim inputLimits) (*input, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		if err == nil {
			var fi os.FileInfo
			if fi, err = f.Stat(); err == nil && fi.IsDir() {
				err = &store.FileError{Path: path, Msg: "is a directory, not " + lim.what, Hint: lim.hint}
			}
			if err != nil {
				f.Close()
				f = nil
			}
		}
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, o.err
		}
		return &input{ctx: ctx, name: path, r: o.f, closer: o.f, lim: lim}, nil
	case <-ctx.Done():
		go func() { // close the file if the open ever completes
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, canceled(ctx, "open "+path)
	}
}

// newInput reads r, named name in messages (standard input), within lim.
func newInput(ctx context.Context, name string, r io.Reader, lim inputLimits) *input {
	return &input{ctx: ctx, name: name, r: r, lim: lim}
}

// readInput returns the whole of path within lim; its errors are those of
// openInput and Read.
func readInput(ctx context.Context, path string, lim inputLimits) ([]byte, error) {
	in, err := openInput(ctx, path, lim)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	return io.ReadAll(in)
}

// Read reads from the input. Past the limits it fails with a
// *store.FileError that says which and how to put it right; a failed read
// is a *store.FileError too; when the context is canceled it returns at
// once a *canceledError.
func (in *input) Read(p []byte) (int, error) {
	if in.err != nil {
		return 0, in.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if err := in.ctx.Err(); err != nil {
		return 0, in.fail(canceled(in.ctx, "read "+in.name))
	}
	// Ask for one byte beyond the limit, no more, to know it is exceeded.
	want := min(int64(len(p)), in.lim.total+1-in.n)
	if int64(cap(in.buf)) < want {
		in.buf = make([]byte, want)
	}
	if in.done == nil {
		in.done = make(chan readResult, 1)
	}
	buf, r, done := in.buf[:want], in.r, in.done
	go func() {
		n, err := r.Read(buf)
		done <- readResult{n, err}
	}()
	var res readResult
	select {
	case res = <-done:
	case <-in.ctx.Done():
		// The read goroutine still owns buf and done; in.err keeps them
		// from being used again.
		return 0, in.fail(canceled(in.ctx, "read "+in.name))
	}
	if err := in.account(buf[:res.n]); err != nil {
		return 0, in.fail(err)
	}
	n := copy(p, buf[:res.n])
	if res.err == nil || res.err == io.EOF {
		return n, res.err
	}
	// Unwrapped, so that an *fs.PathError still means "could not open".
	cause := res.err
	var pe *fs.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err
	}
	return n, in.fail(&store.FileError{Path: in.name, Msg: "cannot be read: " + cause.Error(), Err: cause, Hint: in.lim.hint})
}

// account counts the bytes b and the newlines in it against the limits.
func (in *input) account(b []byte) error {
	in.n += int64(len(b))
	if in.n > in.lim.total {
		return &store.FileError{Path: in.name, Msg: fmt.Sprintf("more than %s, too large for %s", size(in.lim.total), in.lim.what), Hint: in.lim.hint}
	}
	if in.lim.line == 0 {
		return nil
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		seg := i
		if i < 0 {
			seg = len(b)
		}
		if in.lineLen+int64(seg) > in.lim.line {
			return &store.FileError{Path: in.name,
				Msg:  fmt.Sprintf("line %d is longer than %s, too long for %s", in.lines+1, size(in.lim.line), in.lim.what),
				Hint: in.lim.hint}
		}
		if i < 0 {
			in.lineLen += int64(seg)
			break
		}
		in.lineLen, in.lines, b = 0, in.lines+1, b[i+1:]
	}
	return nil
}

// canceledError is an open or a read given up because its context was
// canceled. It says why (the context's cause, such as the signal), and
// errors.Is finds in it both that cause and context.Canceled, as in the
// error of any canceled operation.
type canceledError struct {
	doing      string
	cause, err error
}

func (e *canceledError) Error() string   { return e.doing + ": " + e.cause.Error() }
func (e *canceledError) Unwrap() []error { return []error{e.cause, e.err} }

func canceled(ctx context.Context, doing string) error {
	return &canceledError{doing: doing, cause: context.Cause(ctx), err: ctx.Err()}
}

func (in *input) fail(err error) error {
	in.err = err
	return err
}

// Close closes the file, unless the input is standard input.
func (in *input) Close() error {
	if in.closer == nil {
		return nil
	}
	return in.closer.Close()
}
