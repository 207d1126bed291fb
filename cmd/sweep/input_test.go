package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/internal/store"
)

// TestReadInputLimits checks the limits on small sizes: what is within
// them reads whole, what is beyond is refused with the place and a hint.
func TestReadInputLimits(t *testing.T) {
	lim := inputLimits{total: 10, line: 4, what: "a test input", hint: "give less"}
	tests := []struct {
		name, text string
		lim        inputLimits
		wantErr    string // "" when the text reads whole
	}{
		{"empty", "", lim, ""},
		{"exactly the total", "abc\nabc\nab", lim, ""},
		{"one byte over the total", "abc\nabc\nabc", lim, "in: more than 10 bytes, too large for a test input"},
		{"a line of exactly the limit", "abcd\n", lim, ""},
		{"a line one byte too long", "abcde\n", lim, "in: line 1 is longer than 4 bytes, too long for a test input"},
		{"the third line too long", "a\nb\nccccc", lim, "in: line 3 is longer than 4 bytes, too long for a test input"},
		{"a last line without a newline", "ab\nabcd", lim, ""},
		{"no line limit", "abcdefghij", inputLimits{total: 10, what: "a test input", hint: "give less"}, ""},
		{"the limits as printed", strings.Repeat("x", 1<<20+1), inputLimits{total: 4 << 30, line: 1 << 20, what: "a baseline CSV"},
			"in: line 1 is longer than 1 MiB, too long for a baseline CSV"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A reader that returns a byte at a time crosses every
			// boundary between two reads.
			readers := []io.Reader{strings.NewReader(tt.text)}
			if len(tt.text) < 100 {
				readers = append(readers, &oneByteReader{tt.text})
			}
			for _, r := range readers {
				got, err := io.ReadAll(newInput(context.Background(), "in", r, tt.lim))
				if tt.wantErr == "" {
					if err != nil || string(got) != tt.text {
						t.Fatalf("read %q, %v; want %q", got, err, tt.text)
					}
					continue
				}
				var fe *store.FileError
				if !errors.As(err, &fe) || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want the FileError %q", err, tt.wantErr)
				}
				if fe.Hint != tt.lim.hint {
					t.Errorf("hint = %q, want %q", fe.Hint, tt.lim.hint)
				}
			}
		})
	}
}

type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0], r.s = r.s[0], r.s[1:]
	return 1, nil
}

// TestReadInputCanceled checks that a read blocked for good (a pipe nobody
// writes to) returns once the context is canceled, with its cause.
func TestReadInputCanceled(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pw.Close()
	defer pr.Close()
	stop := errors.New("stopped by test")
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(50*time.Millisecond, func() { cancel(stop) })
	done := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(newInput(ctx, "standard input", pr, statementLimits))
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, stop) || !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want one wrapping %v and context.Canceled", err, stop)
		}
		if got, want := err.Error(), "read standard input: stopped by test"; got != want {
			t.Errorf("error = %q, want %q", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read did not return within 5s of the cancel")
	}
}

// TestOpenInputCanceled checks that opening a FIFO no one writes to,
// which blocks in the kernel, returns once the context is canceled.
func TestOpenInputCanceled(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	done := make(chan error, 1)
	go func() {
		_, err := readInput(ctx, fifo, sweepFileLimits)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want one wrapping context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("opening the FIFO did not return within 5s of the cancel")
	}
	// Let the goroutine still opening the FIFO finish.
	if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
}

// TestEndlessStdin checks that sweep query - refuses an endless standard
// input after its first MiB, at once.
func TestEndlessStdin(t *testing.T) {
	zero, err := os.Open("/dev/zero")
	if err != nil {
		t.Skipf("no /dev/zero: %v", err)
	}
	defer zero.Close()
	dir := t.TempDir()
	cmd := sweepCommand(dir, "query", "--db", "none.db", "-")
	cmd.Stdin = zero
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = runWithin(t, cmd, 10*time.Second)
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != exitTrouble {
		t.Fatalf("sweep query - < /dev/zero: %v, want exit status 2; stderr:\n%s", err, stderr.String())
	}
	want := "sweep: error: standard input: more than 1 MiB, too large for an SQL statement\n" +
		"sweep: hint: give the statement as the argument, or pipe in a file of SQL: sweep query - < query.sql\n"
	if got := stderr.String(); got != want {
		t.Errorf("stderr =\n%s\nwant\n%s", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.db")); err == nil {
		t.Errorf("none.db was created")
	}
}

// TestSignalWhileWaitingForInput checks that SIGTERM ends a sweep that
// waits for its input (a FIFO nobody opens or nobody writes to, a silent
// standard input) at once, with status 143 like any other command stopped
// by SIGTERM.
func TestSignalWhileWaitingForInput(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes and waits for them")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "one.yaml"), []byte("method: gradient_descent\ngrid: {alpha: 0.1, input: 1, goal: 0.8, weight: 0.5}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := sweepCommand(dir, "run", "--db", "s.db", "one.yaml").CombinedOutput(); err != nil {
		t.Fatalf("sweep run: %v\n%s", err, out)
	}
	tests := []struct {
		name string
		args []string // "FIFO" stands for the path of a fresh FIFO
		// writer opens the FIFO for writing, and writes nothing, once
		// sweep has opened it for reading: sweep waits in read, not open.
		writer bool
		stdin  bool // standard input is a pipe nobody writes to
	}{
		{name: "run on a FIFO nobody opens", args: []string{"run", "--db", "s.db", "FIFO"}},
		{name: "run on a FIFO nobody writes to", args: []string{"run", "--db", "s.db", "FIFO"}, writer: true},
		{name: "check against a FIFO nobody opens", args: []string{"check", "--db", "s.db", "--against", "FIFO"}},
		{name: "check against a FIFO nobody writes to", args: []string{"check", "--db", "s.db", "--against", "FIFO"}, writer: true},
		{name: "query from a silent standard input", args: []string{"query", "--db", "s.db", "-"}, stdin: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fifo := filepath.Join(dir, "fifo"+string(rune('a'+i)))
			if err := syscall.Mkfifo(fifo, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			args := make([]string, len(tt.args))
			for j, a := range tt.args {
				args[j] = strings.ReplaceAll(a, "FIFO", fifo)
			}
			cmd := sweepCommand(dir, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if tt.stdin {
				pr, pw, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				defer pw.Close()
				defer pr.Close()
				cmd.Stdin = pr
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			if tt.writer {
				// Opening for writing without blocking succeeds once a
				// reader has the FIFO open: then sweep is reading.
				deadline := time.Now().Add(10 * time.Second)
				for {
					w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
					if err == nil {
						defer w.Close()
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("sweep did not open the FIFO within 10s: %v; stderr:\n%s", err, stderr.String())
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			// Time to reach the wait; a signal that came before sweep
			// listens for it would end it by SIGTERM, not with 143.
			time.Sleep(300 * time.Millisecond)
			sent := time.Now()
			cmd.Process.Signal(syscall.SIGTERM)
			err := waitWithin(t, cmd, 5*time.Second)
			took := time.Since(sent)
			var exitErr *exec.ExitError
			if !errors.As(err, &exitErr) || exitErr.ExitCode() != 143 {
				t.Fatalf("after SIGTERM: %v, want exit status 143; stderr:\n%s", err, stderr.String())
			}
			if took > 2*time.Second {
				t.Errorf("took %v to stop after SIGTERM", took)
			}
			if !strings.HasPrefix(stderr.String(), "sweep: error: ") {
				t.Errorf("stderr does not say what happened:\n%s", stderr.String())
			}
		})
	}
}

// runWithin runs cmd and returns its error; it kills it and fails the test
// if it has not ended within d.
func runWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return waitWithin(t, cmd, d)
}

// waitWithin waits for a started cmd; it kills it and fails the test if it
// has not ended within d.
func waitWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v still running after %v", cmd.Args[1:], d)
		return nil
	}
}
