package command

// This file reads the program's two pipes. stdout is read by Run itself,
// line by line; stderr by a goroutine of its own into a bounded tail, so
// that a program writing megabytes to stderr neither blocks on a full pipe
// nor grows sweep's memory.

import (
	"os"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// pipeReader reads a pipe and lets unstick see whether a Read is blocked.
type pipeReader struct {
	f      *os.File
	reads  atomic.Uint64 // Read calls begun
	inRead atomic.Bool
}

func (r *pipeReader) Read(b []byte) (int, error) {
	r.reads.Add(1)
	r.inRead.Store(true)
	n, err := r.f.Read(b)
	r.inRead.Store(false)
	return n, err
}

// idleAfter is how long a read must block, after the program is reaped,
// before unstick ends it.
const idleAfter = 250 * time.Millisecond

// unstick ends a read of r that would outlive the program. Once the program
// is reaped and its group killed, a pipe can be held open only by a process
// that left the group (setsid, a daemon), and its reader would wait for an
// end of file that never comes. When r has been blocked in one Read for
// idleAfter (so the pipe is empty), unstick sets r's read deadline to now,
// and the Read returns os.ErrDeadlineExceeded, which the reader takes for
// the end of the output. It returns when done is closed.
func unstick(r *pipeReader, reaped, done <-chan struct{}) {
	select {
	case <-reaped:
	case <-done:
		return
	}
	tick := time.NewTicker(idleAfter)
	defer tick.Stop()
	var before uint64
	blocked := false
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		n, in := r.reads.Load(), r.inRead.Load()
		if blocked && in && n == before {
			_ = r.f.SetReadDeadline(time.Now())
			return
		}
		before, blocked = n, in
	}
}

// The bounds of the stderr kept with a run.
const (
	tailBytes = 4 << 10
	tailLines = 20
)

// tail keeps the end of a stream.
type tail struct {
	buf []byte
	cut bool // bytes before buf were dropped
}

// drain reads r to its end into t.
func (t *tail) drain(r *pipeReader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		t.write(buf[:n])
		if err != nil {
			return
		}
	}
}

func (t *tail) write(b []byte) {
	if len(b) >= tailBytes {
		t.buf = append(t.buf[:0], b[len(b)-tailBytes:]...)
		t.cut = true
		return
	}
	t.buf = append(t.buf, b...)
	if len(t.buf) > 2*tailBytes {
		n := copy(t.buf, t.buf[len(t.buf)-tailBytes:])
		t.buf = t.buf[:n]
		t.cut = true
	}
}

// String returns the last lines kept: at most tailLines lines and tailBytes
// bytes, starting at a line's start unless one line is longer than that,
// without the final newline, with invalid UTF-8 and NUL bytes replaced by
// U+FFFD.
func (t *tail) String() string {
	s, cut := strings.TrimRight(string(t.buf), "\r\n"), t.cut
	if cut {
		s = strings.TrimLeftFunc(s, func(r rune) bool { return r == utf8.RuneError })
	}
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
	if len(s) > tailBytes {
		s, cut = s[len(s)-tailBytes:], true
		for len(s) > 0 && !utf8.RuneStart(s[0]) {
			s = s[1:]
		}
	}
	if cut {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
	}
	for n, i := 0, len(s)-1; i >= 0; i-- {
		if s[i] == '\n' {
			if n++; n == tailLines {
				return s[i+1:]
			}
		}
	}
	return s
}
