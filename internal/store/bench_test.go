package store

import (
	"context"
	"testing"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// benchmarkWrite measures the writer alone: records are prepared before
// the clock starts, as the workers prepare them in a sweep.
func benchmarkWrite(b *testing.B, storage grid.TraceStorage) {
	spec, err := grid.Parse("bench.yaml", []byte(`
method: gradient_descent
iterations: 1000
tolerance: 1e-12
grid:
  alpha: {from: 10, to: 0.0001, per_decade: 4}
  input: {from: -3, to: 3, step: 0.25}
  goal: [-1, 0, 0.8, 2]
  weight: [-1, 0, 0.5, 2]
`))
	if err != nil {
		b.Fatal(err)
	}
	spec.Trace = storage
	records := make([]*Record, 0, 2000)
	rows := 0
	for c := range spec.Configs() {
		if len(records) == cap(records) {
			break
		}
		rec := NewRecord(runner.Train(c), storage)
		records = append(records, rec)
		rows += rec.Steps
	}
	st, err := Open(context.Background(), b.TempDir()+"/bench.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		spec.Name = "bench" + string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
		sw, err := st.StartSweep(context.Background(), spec, "bench.yaml", "")
		if err != nil {
			b.Fatal(err)
		}
		ch := make(chan []*Record, 1)
		ch <- records
		close(ch)
		if err := st.Write(context.Background(), sw, ch, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(records))/b.Elapsed().Seconds(), "runs/s")
	if storage.Every > 0 {
		b.ReportMetric(float64(b.N*rows)/b.Elapsed().Seconds(), "rows/s")
	}
}

func BenchmarkWriteAllRows(b *testing.B) { benchmarkWrite(b, grid.TraceAll) }
func BenchmarkWriteNoTrace(b *testing.B) { benchmarkWrite(b, grid.TraceNone) }
