package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// BenchmarkSweep runs a whole sweep file (set by -sweep, default the tenth
// of W2) through sweep run into a fresh database per iteration.
func BenchmarkSweep(b *testing.B) {
	for _, file := range []string{"w1.yaml", "w2_tenth.yaml"} {
		b.Run(file, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				db := filepath.Join(b.TempDir(), "bench.db")
				if code := run(context.Background(), []string{"run", "--db", db, "../../bench/" + file}, nil, io.Discard, io.Discard); code != 0 {
					b.Fatalf("sweep run exited %d", code)
				}
			}
		})
	}
}
