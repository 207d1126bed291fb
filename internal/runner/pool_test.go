package runner

import (
	"context"
	"errors"
	"sync"
	"testing"

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

func TestSweepEmitsEveryConfigOnce(t *testing.T) {
	spec := testSpec(t)
	for _, jobs := range []int{1, 3, 8} {
		var mu sync.Mutex
		seen := map[int64]int{}
		err := Sweep(context.Background(), spec.Configs(), jobs, 1, func(_ context.Context, results []*Result) error {
			for _, r := range results {
				want, _ := Run(r.Config, nil)
				if len(r.Trace) != len(want) || r.Steps != len(want) || r.Last() != want[len(want)-1] || r.Prediction == nil {
					t.Errorf("config %d: result differs from a direct run", r.Config.Index)
				}
				mu.Lock()
				seen[r.Config.Index]++
				mu.Unlock()
			}
			return nil
		})
		if err != nil {
			t.Fatalf("jobs %d: %v", jobs, err)
		}
		if got, want := int64(len(seen)), spec.Len(); got != want {
			t.Errorf("jobs %d: %d configs emitted, want %d", jobs, got, want)
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("jobs %d: config %d emitted %d times", jobs, i, n)
			}
		}
	}
}

// TestSweepKeepsRows checks the rows kept for every = 0 (only the deciding
// row) and every = 7, against the full trace of a direct run.
func TestSweepKeepsRows(t *testing.T) {
	spec := testSpec(t)
	for _, every := range []int{0, 7} {
		err := Sweep(context.Background(), spec.Configs(), 2, every, func(_ context.Context, results []*Result) error {
			for _, r := range results {
				full, _ := Run(r.Config, nil)
				var want []Row
				for _, row := range full {
					if every > 0 && row.Step%every == 0 || row.Step == len(full)-1 {
						want = append(want, row)
					}
				}
				if r.Steps != len(full) || len(r.Trace) != len(want) {
					t.Fatalf("every %d, config %d: kept %d of %d rows, want %d of %d", every, r.Config.Index, len(r.Trace), r.Steps, len(want), len(full))
				}
				for i := range want {
					if r.Trace[i] != want[i] {
						t.Fatalf("every %d, config %d: kept row %+v, want %+v", every, r.Config.Index, r.Trace[i], want[i])
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestSweepStopsOnEmitError(t *testing.T) {
	spec := testSpec(t)
	boom := errors.New("disk full")
	var mu sync.Mutex
	emitted := 0
	err := Sweep(context.Background(), spec.Configs(), 2, 1, func(_ context.Context, results []*Result) error {
		mu.Lock()
		defer mu.Unlock()
		emitted += len(results)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Sweep = %v, want %v", err, boom)
	}
	if emitted >= int(spec.Len()) {
		t.Errorf("all %d configs were emitted after the sink failed", emitted)
	}
}

func TestSweepCanceled(t *testing.T) {
	spec := testSpec(t)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	emitted := 0
	err := Sweep(ctx, spec.Configs(), 1, 1, func(_ context.Context, results []*Result) error {
		mu.Lock()
		defer mu.Unlock()
		emitted += len(results)
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Sweep = %v, want context.Canceled", err)
	}
	if emitted >= int(spec.Len()) {
		t.Errorf("all %d configs were emitted after cancel", emitted)
	}
}
