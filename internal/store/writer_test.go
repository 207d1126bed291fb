package store

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"golang.org/x/sync/errgroup"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// sweepQueue runs spec through runner.Sweep into a Queue of budget bytes
// and the writer, as sweep run does, and returns the sweep and the records
// the writer was given, in order.
func sweepQueue(t *testing.T, st *Store, spec *grid.Spec, budget int64, jobs int) (*Sweep, []*Record) {
	t.Helper()
	ctx := context.Background()
	sw, err := st.StartSweep(ctx, spec, spec.Name+".yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	q := NewQueue(budget)
	var (
		mu     sync.Mutex
		stored []*Record
	)
	var g errgroup.Group
	g.Go(func() error {
		defer q.Close()
		return runner.Sweep(ctx, spec.Configs(), jobs, spec.Trace.Every, func() runner.Sink { return q.Sender(spec.Trace) })
	})
	g.Go(func() error {
		return st.WriteQueue(ctx, sw, q, func(recs []*Record) {
			mu.Lock()
			stored = append(stored, recs...)
			mu.Unlock()
		})
	})
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	// Every record gave its room back: the whole budget is free.
	if !q.room.TryAcquire(budget) {
		t.Errorf("the queue's room was not all given back")
	}
	return sw, stored
}

// storedWeights reads the trace text of every run of a sweep by config.
func storedWeights(t *testing.T, st *Store, sw *Sweep) map[int64]string {
	t.Helper()
	rows, err := st.db.Query("SELECT config_index, weights FROM runs JOIN trace_weights ON run_id = runs.id WHERE sweep_id = ?", sw.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var i int64
		var w string
		if err := rows.Scan(&i, &w); err != nil {
			t.Fatal(err)
		}
		out[i] = w
	}
	return out
}

// TestSenderStoresWhatNewRecordStores checks that a trace encoded chunk by
// chunk as the runner trains it, through the bounded queue, is stored as
// the same text NewRecord makes of the whole trace, for every storage, and
// that a queue whose budget is smaller than one trace still passes it.
func TestSenderStoresWhatNewRecordStores(t *testing.T) {
	for _, tt := range []struct {
		name    string
		storage grid.TraceStorage
		budget  int64
	}{
		{"all", grid.TraceAll, QueueBytes},
		{"every 7", grid.TraceStorage{Every: 7}, QueueBytes},
		{"none", grid.TraceNone, QueueBytes},
		{"all, budget smaller than a trace", grid.TraceAll, 1000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := openTemp(t)
			// Runs of up to 200,000 rows (4 MB of text): some lent, some copied.
			spec, err := grid.Parse("q.yaml", []byte(`
name: queue
method: gradient_descent
iterations: 200000
tolerance: 1e-300
divergence: 1e300
grid: {alpha: [1, 0.1, 1e-9, 2e-9], input: [0.5, 2], goal: 0.8, weight: [0.5, -0.0]}
`))
			if err != nil {
				t.Fatal(err)
			}
			spec.Trace = tt.storage
			sw, stored := sweepQueue(t, st, spec, tt.budget, 2)
			if got, want := int64(len(stored)), spec.Len(); got != want {
				t.Fatalf("%d runs stored, want %d", got, want)
			}
			got := storedWeights(t, st, sw)
			for c := range spec.Configs() {
				want := NewRecord(runner.Train(c), tt.storage).Weights
				if got[c.Index] != want {
					t.Errorf("config %d: stored trace of %d bytes differs from NewRecord's of %d", c.Index, len(got[c.Index]), len(want))
				}
			}
			for _, rec := range stored {
				if rec.lent != nil || (len(rec.Weights) >= lendBytes) {
					t.Errorf("config %d: the writer kept a lent trace buffer", rec.Config.Index)
				}
			}
		})
	}
}

// TestNegativeZeroWeight checks that a run starting at weight -0.0 reads
// back with one sign of zero: SQLite stores runs.weight as +0.0, and the
// trace's step-0 weight is written 0.0 to match.
func TestNegativeZeroWeight(t *testing.T) {
	st := openTemp(t)
	spec, err := grid.Parse("zero.yaml", []byte("name: zero\nmethod: gradient_descent\niterations: 5\ngrid: {alpha: 0.1, input: 2, goal: 0.8, weight: -0.0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if w := spec.Config(0).Weight; w != 0 || math.Signbit(w) {
		t.Fatalf("the sweep file's weight is %v, want 0: a file's -0.0 is 0", w)
	}
	// A weight of -0 still reaches the writer from training (a weight that
	// lands on zero from below), or from a caller's config.
	c := spec.Config(0)
	c.Weight = math.Copysign(0, -1)
	sw, err := st.StartSweep(context.Background(), spec, "zero.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	write(t, st, sw, runner.Train(c))
	var runWeight, traceWeight float64
	var text string
	err = st.db.QueryRow(`SELECT runs.weight, trace.weight, trace_weights.weights FROM runs
		JOIN trace ON trace.run_id = runs.id AND trace.step = 0
		JOIN trace_weights ON trace_weights.run_id = runs.id WHERE sweep_id = ?`, sw.ID).Scan(&runWeight, &traceWeight, &text)
	if err != nil {
		t.Fatal(err)
	}
	if runWeight != 0 || traceWeight != 0 {
		t.Fatalf("runs.weight = %v, trace step 0 weight = %v, want 0", runWeight, traceWeight)
	}
	if got, want := math.Signbit(traceWeight), math.Signbit(runWeight); got != want {
		t.Errorf("trace step 0 weight has sign bit %v, runs.weight %v (trace text %.20s)", got, want, text)
	}
	// The trace text too, for whoever reads trace_weights without the view.
	if got, want := text[:min(len(text), 5)], "[0.0,"; got != want {
		t.Errorf("stored trace begins %s, want %s", got, want)
	}
}

// TestSenderStopsWithTheWriter checks that a Sender waiting for room gets
// the writer's error, rather than waiting for ever, once the writer fails.
func TestSenderStopsWithTheWriter(t *testing.T) {
	q := NewQueue(1000)
	s := q.Sender(grid.TraceNone)
	if err := s.Add(&Record{Weights: string(make([]byte, 5000))}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	go q.stop(boom) // as WriteQueue does when the database fails
	// The first record holds the whole budget and the writer never takes
	// it: only the writer's end can release this one.
	if err := s.Add(&Record{Weights: "[1.0]"}); !errors.Is(err, boom) {
		t.Fatalf("Add = %v, want %v", err, boom)
	}
}
