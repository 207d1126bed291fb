package runner

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sweep/internal/grid"
)

func testSpec(t *testing.T) *grid.Spec {
	t.Helper()
	spec, err := grid.Parse("pool.yaml", []byte(`
method: gradient_descent
iterations: 100
grid:
  alpha: {from: 1, to: 0.01, per_decade: 10}
  input: {from: -1, to: 1, step: 0.25}
  goal: [0.8, 0]
  weight: 0.5
`))
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// collected is what the Sinks of a sweep were given, in the order each
// worker gave it.
type collected struct {
	mu      sync.Mutex
	results map[int64]Result // with the whole kept trace
	times   map[int64]int    // how often each config was done
	closed  int
	err     error // what Done returns
	onDone  func()
}

func newCollected() *collected {
	return &collected{results: map[int64]Result{}, times: map[int64]int{}}
}

func (c *collected) newSink() Sink { return &testSink{c: c} }

type testSink struct {
	c    *collected
	rows []Row // of the run being trained
}

func (s *testSink) Start(c grid.Config) {
	if len(s.rows) != 0 {
		s.c.mu.Lock()
		s.c.err = errors.New("Start before the last run was done")
		s.c.mu.Unlock()
	}
	s.rows = s.rows[:0]
}

func (s *testSink) Rows(rows []Row) { s.rows = append(s.rows, rows...) }

func (s *testSink) Done(r *Result) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if len(r.Trace) != 1 || len(s.rows) == 0 || r.Last() != s.rows[len(s.rows)-1] {
		s.c.err = errors.New("Done's trace is not the last row given to Rows")
	}
	kept := *r
	kept.Trace, s.rows = s.rows, nil
	s.c.results[r.Config.Index] = kept
	s.c.times[r.Config.Index]++
	if s.c.onDone != nil {
		s.c.onDone()
	}
	return s.c.err
}

func (s *testSink) Close() error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.closed++
	return nil
}

// TestSweepStreamsEveryConfigOnce checks that every config reaches a Sink
// once, with exactly the rows RunKeeping keeps (every = 0: only the
// deciding row; 1: all; 7: every seventh and the deciding row), the
// prediction, and that every worker's Sink is closed.
func TestSweepStreamsEveryConfigOnce(t *testing.T) {
	spec := testSpec(t)
	for _, jobs := range []int{1, 3, 8} {
		for _, every := range []int{0, 1, 7} {
			c := newCollected()
			if err := Sweep(context.Background(), spec.Configs(), jobs, every, c.newSink); err != nil {
				t.Fatalf("jobs %d every %d: %v", jobs, every, err)
			}
			if c.err != nil {
				t.Fatal(c.err)
			}
			if got, want := int64(len(c.results)), spec.Len(); got != want {
				t.Errorf("jobs %d every %d: %d configs done, want %d", jobs, every, got, want)
			}
			if got, want := c.closed, jobs; got != want {
				t.Errorf("jobs %d every %d: %d sinks closed, want %d", jobs, every, got, want)
			}
			for i, n := range c.times {
				if n != 1 {
					t.Errorf("jobs %d every %d: config %d done %d times", jobs, every, i, n)
				}
			}
			for _, r := range c.results {
				want, steps, verdict := RunKeeping(r.Config, every, nil)
				if r.Steps != steps || r.Verdict != verdict || len(r.Trace) != len(want) || r.Prediction == nil {
					t.Fatalf("jobs %d every %d, config %d: %d rows kept of %d, %v; want %d of %d, %v",
						jobs, every, r.Config.Index, len(r.Trace), r.Steps, r.Verdict, len(want), steps, verdict)
				}
				for i := range want {
					checkRow(t, r.Trace[i], want[i])
				}
			}
		}
	}
}

// TestSweepSpreadsLongRuns checks that configs of many iterations are
// handed out one by one, so that two long runs take two workers rather than
// one (a batch of 64 would give both to one).
func TestSweepSpreadsLongRuns(t *testing.T) {
	spec, err := grid.Parse("long.yaml", []byte(`
method: gradient_descent
iterations: 1000000
tolerance: 1e-300
divergence: 1e300
grid: {alpha: [1e-9, 2e-9], input: 1, goal: 0.8, weight: 0.5}
`))
	if err != nil {
		t.Fatal(err)
	}
	c := newCollected()
	var mu sync.Mutex
	used := map[Sink]bool{}
	// A worker that finishes its run waits (up to 5 s) until two runs
	// have started: with the runs handed out one by one, the second can
	// only go to the other worker, whatever the scheduler does; in one
	// batch, both stay with the first.
	var starts atomic.Int32
	err = Sweep(context.Background(), spec.Configs(), 2, 0, func() Sink {
		s := &recordingSink{Sink: c.newSink(), starts: &starts}
		s.done = func() {
			mu.Lock()
			used[s] = true
			mu.Unlock()
			for deadline := time.Now().Add(5 * time.Second); starts.Load() < 2 && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}
		return s
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(used), 2; got != want {
		t.Errorf("two runs of a million steps ran on %d workers, want %d", got, want)
	}
}

// recordingSink calls done when it is given a run, and counts the runs
// started in starts.
type recordingSink struct {
	Sink
	done   func()
	starts *atomic.Int32
}

func (s *recordingSink) Start(c grid.Config) {
	if s.starts != nil {
		s.starts.Add(1)
	}
	s.Sink.Start(c)
}

func (s *recordingSink) Done(r *Result) error {
	s.done()
	return s.Sink.Done(r)
}

func TestSweepStopsOnSinkError(t *testing.T) {
	spec := testSpec(t)
	boom := errors.New("disk full")
	c := newCollected()
	c.err = boom
	err := Sweep(context.Background(), spec.Configs(), 2, 1, c.newSink)
	if !errors.Is(err, boom) {
		t.Fatalf("Sweep = %v, want %v", err, boom)
	}
	if n := len(c.results); n >= int(spec.Len()) {
		t.Errorf("all %d configs were done after the sink failed", n)
	}
}

func TestSweepCanceled(t *testing.T) {
	spec := testSpec(t)
	ctx, cancel := context.WithCancel(context.Background())
	c := newCollected()
	c.onDone = cancel
	err := Sweep(ctx, spec.Configs(), 1, 1, c.newSink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sweep = %v, want context.Canceled", err)
	}
	if n := len(c.results); n >= int(spec.Len()) {
		t.Errorf("all %d configs were done after cancel", n)
	}
	if c.closed != 1 {
		t.Errorf("%d sinks closed after cancel, want 1: a canceled worker still hands over what it finished", c.closed)
	}
}
