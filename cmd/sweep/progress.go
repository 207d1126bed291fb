package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress shows how far a sweep has got, on stderr.
type progress interface {
	update(stored int64) // called by the writer after each stored run
	finish()
}

// newProgress returns a live bar when w is a terminal and CI is not set, and
// otherwise a plain line now and then, with no control characters, for logs.
func newProgress(w io.Writer, name string, total int64) progress {
	if isTerminal(w) && os.Getenv("CI") == "" {
		return barProgress{progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionSetItsString("configs"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)}
	}
	return &plainProgress{w: w, name: name, total: total, start: time.Now(), every: 10 * time.Second, now: time.Now}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

type barProgress struct{ bar *progressbar.ProgressBar }

func (b barProgress) update(stored int64) { b.bar.Set64(stored) }
func (b barProgress) finish()             { b.bar.Finish() }

// plainProgress prints a line every so often: a sweep that takes less than
// that prints nothing but its summary.
type plainProgress struct {
	w        io.Writer
	name     string
	total    int64
	start    time.Time
	every    time.Duration
	now      func() time.Time
	lastLine time.Time
}

func (p *plainProgress) update(stored int64) {
	t := p.now()
	if t.Sub(p.start) < p.every || t.Sub(p.lastLine) < p.every {
		return
	}
	p.lastLine = t
	elapsed := t.Sub(p.start).Seconds()
	rate := float64(stored) / elapsed
	line := fmt.Sprintf("sweep: %s: %d/%d configs (%.0f%%), %.0f configs/s", p.name, stored, p.total,
		100*float64(stored)/float64(max(p.total, 1)), rate)
	if rate > 0 && stored < p.total {
		left := time.Duration(float64(p.total-stored) / rate * float64(time.Second))
		line += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	fmt.Fprintln(p.w, line)
}

func (p *plainProgress) finish() {}

// formatFloat prints a float the shortest way that reads back the same.
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}
