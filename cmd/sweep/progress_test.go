package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestPlainProgress(t *testing.T) {
	var out bytes.Buffer
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := start
	p := &plainProgress{w: &out, name: "alpha", total: 1000, start: start, every: 10 * time.Second, now: func() time.Time { return clock }}
	for _, step := range []struct {
		after  time.Duration
		stored int64
	}{{1 * time.Second, 10}, {9 * time.Second, 90}, {10 * time.Second, 500}, {15 * time.Second, 600}, {20 * time.Second, 1000}} {
		clock = start.Add(step.after)
		p.update(step.stored)
	}
	want := "sweep: alpha: 500/1000 configs (50%), 50 configs/s, about 10s left\n" +
		"sweep: alpha: 1000/1000 configs (100%), 50 configs/s\n"
	if got := out.String(); got != want {
		t.Errorf("plain progress printed\n%q\nwant\n%q", got, want)
	}
}

// TestProgressBarOnTerminal runs a sweep with stderr on a pseudo-terminal
// and checks that a live bar is drawn there (and cleared at the end) while
// stdout, not a terminal, gets the plain summary.
func TestProgressBarOnTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of several seconds")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "slow.yaml"), []byte(slowSweep), 0o644)
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptm.Close()
	cmd := sweepCommand(dir, "run", "--db", "slow.db", "slow.yaml")
	cmd.Env = append(cmd.Env, "CI=")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	screen, _ := io.ReadAll(ptm) // until the process closes its end
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sweep: %v\n%s", err, screen)
	}
	s := string(screen)
	if !strings.Contains(s, "\r") {
		t.Errorf("no carriage return on the terminal: the bar was not redrawn in place:\n%q", s)
	}
	// name, percentage, bar, done/total, rate, [elapsed:remaining]
	bar := regexp.MustCompile(`slow +\d+% \|[^|]*\| \(\d+/15000, \d+ configs/s\) \[\d+s:\d+s\]`)
	if n := len(bar.FindAllString(s, -1)); n < 2 {
		t.Errorf("the bar with done/total, rate and time left was drawn %d times, want it live:\n%q", n, s)
	}
	if strings.ContainsAny(stdout.String(), "\r\x1b") {
		t.Errorf("control characters in the summary on stdout:\n%q", stdout.String())
	}
}

// TestNoBarInCI checks that CI=true gets the plain lines even on a terminal,
// and a pipe gets them always.
func TestNoBarInCI(t *testing.T) {
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal here: %v", err)
	}
	defer ptm.Close()
	defer tty.Close()
	t.Setenv("CI", "")
	if _, ok := newProgress(tty, "x", 10).(barProgress); !ok {
		t.Errorf("a terminal without CI got no bar")
	}
	t.Setenv("CI", "true")
	if _, ok := newProgress(tty, "x", 10).(*plainProgress); !ok {
		t.Errorf("a terminal with CI=true got a bar")
	}
	var pipe bytes.Buffer
	t.Setenv("CI", "")
	if _, ok := newProgress(&pipe, "x", 10).(*plainProgress); !ok {
		t.Errorf("a pipe got a bar")
	}
}
