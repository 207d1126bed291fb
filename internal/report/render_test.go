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

// TestTheoryLine checks the sampled theory curve: two pieces around input
// 0, every point on alpha = k/x^2 and inside the chart.
func TestTheoryLine(t *testing.T) {
	pieces := theoryLine(2, -2, 2, -1, 1) // alpha from 0.1 to 10
	if len(pieces) != 2 {
		t.Fatalf("%d pieces, want 2 (one each side of input 0)", len(pieces))
	}
	for _, piece := range pieces {
		for _, p := range piece {
			if p[1] < -1 || p[1] > 1 || math.Abs(math.Pow(10, p[1])*p[0]*p[0]-2) > 1e-9 {
				t.Fatalf("point %v is not on alpha = 2/x^2 inside the chart", p)
			}
		}
	}
	// alpha = 2/x^2 >= 0.1 means |x| <= sqrt(20): all of [-2, 2] but the
	// inputs where alpha > 10, |x| < sqrt(0.2).
	if first := pieces[0][0]; first[0] != -2 {
		t.Errorf("the first piece starts at input %v, want -2", first[0])
	}
}
