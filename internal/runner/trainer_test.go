package runner

import (
	"testing"

	"sweep/internal/grid"
)

// trainChunks runs c through a Trainer with a buffer of size rows, every
// chunk appended to one trace.
func trainChunks(t *testing.T, c grid.Config, every, size int) (trace []Row, steps int, v Verdict) {
	trace, steps, v, _ = trainFacts(t, c, every, size)
	return trace, steps, v
}

// trainFacts is trainChunks with the Trainer's facts.
func trainFacts(t *testing.T, c grid.Config, every, size int) (trace []Row, steps int, v Verdict, facts Facts) {
	t.Helper()
	tr := NewTrainer(c, every)
	buf := make([]Row, 0, size)
	for {
		rows := tr.Next(buf)
		if len(rows) > size {
			t.Fatalf("Next returned %d rows into a buffer of %d", len(rows), size)
		}
		trace = append(trace, rows...)
		if steps, v, ok := tr.Decided(); ok {
			if more := tr.Next(buf); len(more) != 0 {
				t.Fatalf("Next after the decision returned %d rows", len(more))
			}
			return trace, steps, v, tr.Facts()
		}
		if len(rows) != size {
			t.Fatalf("undecided Next returned %d rows, want a full buffer of %d", len(rows), size)
		}
	}
}

// checkTrainer checks that a Trainer, whatever its buffer, keeps what
// RunKeeping keeps, bit for bit, with the same verdict and step count.
func checkTrainer(t *testing.T, c grid.Config) {
	t.Helper()
	all, _, _ := RunKeeping(c, 1, nil)
	wantFacts := definedFacts(all, c.Limits.Tolerance)
	for _, every := range []int{0, 1, 2, 7} {
		want, wantSteps, wantVerdict := RunKeeping(c, every, nil)
		for _, size := range []int{1, 2, 3, 64, chunkRows} {
			got, steps, v, facts := trainFacts(t, c, every, size)
			if !sameFacts(facts, wantFacts) {
				t.Fatalf("every %d, buffer %d: facts %+v, want %+v", every, size, facts, wantFacts)
			}
			if steps != wantSteps || v != wantVerdict || len(got) != len(want) {
				t.Fatalf("every %d, buffer %d: %d rows kept of %d, %v; want %d of %d, %v",
					every, size, len(got), steps, v, len(want), wantSteps, wantVerdict)
			}
			for i := range want {
				checkRow(t, got[i], want[i])
			}
		}
	}
}

// TestTrainerMatchesRunKeeping covers every verdict, both rules, and runs
// that end on, just after and just before a chunk boundary.
func TestTrainerMatchesRunKeeping(t *testing.T) {
	tests := []struct {
		name string
		c    grid.Config
	}{
		{"converged", gd(0.1, 2, 0.8, 0.5, 1000, 1e-10, 1e12)},
		{"diverged", gd(1, 2, 0.8, 0.5, 1000, 1e-10, 1e12)},
		{"oscillating", gd(1, 1, 0, 0.5, 1000, 1e-10, 1e12)},
		{"stalled", gd(1e-300, 1, 0.8, 0.5, 1000, 1e-10, 1e12)},
		{"unfinished on a chunk boundary", gd(0.0001, 0.5, 0.8, 0.5, 2*chunkRows, 1e-12, 1e12)},
		{"unfinished after a chunk boundary", gd(0.0001, 0.5, 0.8, 0.5, 2*chunkRows+1, 1e-12, 1e12)},
		{"unfinished before a chunk boundary", gd(0.0001, 0.5, 0.8, 0.5, 2*chunkRows-1, 1e-12, 1e12)},
		{"one step", gd(0.0001, 0.5, 0.8, 0.5, 1, 1e-12, 1e12)},
		{"hot_cold book example", hc(0.001, 0.5, 0.8, 0.5, 1101, 1e-30, 1e12)},
		{"hot_cold oscillating", hc(0.3, 1, 0.8, 0.5, 1000, 1e-30, 1e12)},
		{"nan", gd(1, 1e308, 1e308, 1e308, 100, 1e-10, 1e300)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkTrainer(t, tt.c) })
	}
}

// FuzzTrainer holds the Trainer to RunKeeping on arbitrary configs.
func FuzzTrainer(f *testing.F) {
	f.Add(1.0, 0.5, 0.8, 0.5, false, uint16(20))
	f.Add(0.001, 0.5, 0.8, 0.5, true, uint16(1101))
	f.Add(1e-320, -0.0, 0.0, 1e308, true, uint16(3))
	f.Fuzz(func(t *testing.T, rate, input, goal, weight float64, hotCold bool, iterations uint16) {
		c := gd(rate, input, goal, weight, int(iterations)%2000+1, 1e-10, 1e12)
		if hotCold {
			c.Method = grid.HotCold
		}
		checkTrainer(t, c)
	})
}

// BenchmarkTrainer is BenchmarkRun through a Trainer in chunks of
// chunkRows, as a sweep's workers run, on runs long enough to fill many
// chunks.
func BenchmarkTrainer(b *testing.B) {
	for _, bc := range []struct {
		name  string
		cfg   grid.Config
		every int
	}{
		{"gradient_descent/every_row", gd(1e-9, 1, 0.8, 0.5, 100_000, 1e-300, 1e300), 1},
		{"gradient_descent/no_rows", gd(1e-9, 1, 0.8, 0.5, 100_000, 1e-300, 1e300), 0},
		{"hot_cold/every_row", hc(1e-9, 1, 0.8, 0.5, 100_000, 1e-300, 1e300), 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]Row, 0, chunkRows)
			steps := 0
			for b.Loop() {
				t := NewTrainer(bc.cfg, bc.every)
				for {
					t.Next(buf)
					if n, _, ok := t.Decided(); ok {
						steps += n
						break
					}
				}
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
		})
	}
}
