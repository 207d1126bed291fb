package report

import (
	"math"
	"slices"
	"testing"
)

func TestBounds(t *testing.T) {
	got := bounds([]float64{0.01, 0.1, 1}, true)
	want := []float64{-2.5, -1.5, -0.5, 0.5}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("log bounds = %v, want %v", got, want)
		}
	}
	if got := bounds([]float64{-1, 0, 2}, false); !slices.Equal(got, []float64{-1.5, -0.5, 1, 3}) {
		t.Errorf("linear bounds = %v", got)
	}
	if got := bounds([]float64{5}, false); !slices.Equal(got, []float64{4.5, 5.5}) {
		t.Errorf("one value's bounds = %v", got)
	}
}

func TestTicks(t *testing.T) {
	if got := ticks(axis{lo: -4.2, hi: 1.1, log: true}); !slices.Equal(got, []float64{0.0001, 0.001, 0.01, 0.1, 1, 10}) {
		t.Errorf("log ticks = %v", got)
	}
	if got := ticks(axis{lo: -2.25, hi: 2.25}); !slices.Equal(got, []float64{-2, -1, 0, 1, 2}) {
		t.Errorf("linear ticks = %v", got)
	}
}

func TestAxisPos(t *testing.T) {
	a := axis{lo: -4, hi: 1, log: true, from: 0, to: 500}
	if got := a.pos(0.01); math.Abs(got-200) > 1e-9 {
		t.Errorf("pos(0.01) = %v, want 200", got)
	}
}
