package grid

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"go.yaml.in/yaml/v3"
)

// Sample draws the values of the sweep's continuous axes instead of
// stepping them: N quasi-random points of a scrambled Halton sequence,
// the same for the same Seed.
type Sample struct {
	N    int
	Seed uint64
}

// continuous is an axis given as {from: A, to: B, scale: log|linear}, to
// be sampled.
type continuous struct {
	name     string
	from, to float64
	log      bool
	node     *yaml.Node
}

// MaxSample is the most points a sample may draw.
const MaxSample = 1_000_000

// sampleSpec reads sample: {n: N, seed: S}.
func (p *parser) sampleSpec(n *yaml.Node) *Sample {
	hint := "sample draws N quasi-random points over the axes given as {from: A, to: B, scale: log|linear}, e.g. sample: {n: 200, seed: 1}"
	if n.Kind != yaml.MappingNode {
		p.fail(n, hint, "sample: want {n: N, seed: S}, got %s", describe(n))
		return nil
	}
	s := &Sample{}
	var gotN bool
	for key, val := range p.fields(n, "sample: ", []string{"n", "seed"}, hint) {
		switch key.Value {
		case "n":
			if k, ok := p.integer(val, "sample.n", 1, MaxSample); ok {
				s.N, gotN = k, true
			}
		case "seed":
			if k, ok := p.integer(val, "sample.seed", 0, math.MaxInt64); ok {
				s.Seed = uint64(k)
			}
		}
	}
	if !gotN && len(p.errs) == 0 {
		p.fail(n, hint, "sample: needs n, the number of points")
		return nil
	}
	return s
}

// applySample replaces the values of the continuous axes of spec with the
// sample's points. One continuous axis is an axis of N values, in the
// direction from its from to its to. Several are drawn jointly, N points
// of as many dimensions: the rate must be among them, and the others
// become Spec.Joint, a value per rate, the points in the order of the rate.
func (p *parser) applySample(spec *Spec, s *Sample, sampleNode *yaml.Node) {
	if len(p.continuous) == 0 {
		if s != nil {
			p.fail(sampleNode, "give an axis as {from: A, to: B, scale: log} (no step, per_decade or num) to sample it",
				"sample: no axis of the grid is a continuous range")
		}
		return
	}
	if s == nil {
		c := p.continuous[0]
		p.fail(c.node, "add sample: {n: 200, seed: 1} to draw quasi-random points, or give step, per_decade or num to step the range",
			"%s: a range without step, per_decade or num is continuous, and needs sample:", c.name)
		return
	}
	dims := len(p.continuous)
	points := halton(s.N, dims, s.Seed)
	values := make([][]float64, dims) // by dimension, then point
	for d, c := range p.continuous {
		values[d] = make([]float64, s.N)
		for i, u := range points {
			values[d][i] = c.at(u[d])
		}
	}
	// The points in the order of the first continuous axis (or of the
	// rate, when several are drawn): from its from towards its to.
	lead := 0
	if dims > 1 {
		lead = slices.IndexFunc(p.continuous, func(c continuous) bool { return c.name == spec.RateAxis() })
		if lead < 0 {
			p.fail(p.continuous[0].node, fmt.Sprintf("sample the rate (%s) with them, or give all but one of them as lists or stepped ranges", spec.RateAxis()),
				"sample: %d continuous axes are drawn together, as points, and the rate axis %s is not among them", dims, spec.RateAxis())
			return
		}
	}
	order := make([]int, s.N)
	for i := range order {
		order[i] = i
	}
	c := p.continuous[lead]
	slices.SortFunc(order, func(a, b int) int {
		x, y := values[lead][a], values[lead][b]
		if c.from > c.to {
			x, y = y, x
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	for d, c := range p.continuous {
		sorted := make([]float64, s.N)
		for i, j := range order {
			sorted[i] = values[d][j]
		}
		if d == lead {
			for i := 1; i < len(sorted); i++ {
				if sorted[i] == sorted[i-1] {
					p.fail(c.node, "draw fewer points, or widen the range", "%s: the sample draws %s twice (at 15 significant digits)", c.name, formatFloat(sorted[i]))
					return
				}
			}
		}
		k := slices.IndexFunc(spec.Axes, func(a Axis) bool { return a.Name == c.name })
		if k < 0 {
			continue // the axis was refused, and is reported
		}
		if d == lead || dims == 1 {
			spec.Axes[k].Values = sorted
			continue
		}
		spec.Joint = append(spec.Joint, Axis{Name: c.name, Values: sorted})
		spec.Axes = slices.Delete(spec.Axes, k, k+1)
	}
	spec.Sample = s
	if len(spec.Joint) > 0 && spec.Refine > 0 {
		p.fail(sampleNode, fmt.Sprintf("refine bisects the rate alone, with every other axis fixed; sample only %s to refine, or leave refine out", spec.RateAxis()),
			"refine: the rate is drawn together with %s, so no two configs differ in the rate alone", spec.Joint[0].Name)
	}
	if spec.Len() > MaxConfigs || spec.Len() < 0 {
		p.fail(sampleNode, "draw fewer points, or use coarser axes", "grid: more than %d configs", MaxConfigs)
	}
}

// at maps u in [0, 1) onto the range, evenly in log space for a log
// scale, rounded to 15 significant digits as the stepped ranges are.
func (c continuous) at(u float64) float64 {
	if c.log {
		return round15(math.Exp(math.Log(c.from) + u*(math.Log(c.to)-math.Log(c.from))))
	}
	return round15(c.from+u*(c.to-c.from)) + 0 // + 0: -0 is 0, as in a list
}

// halton returns n points in [0, 1)^dims of the Halton sequence (bases
// 2, 3, 5, ...), scrambled by a random shift per dimension (a
// Cranley-Patterson rotation) drawn from seed: as evenly spread as the
// sequence, and a different set of points for each seed. The sequence
// starts at index 1 (index 0 is the origin).
func halton(n, dims int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 0x5357455053414d50)) // "SWEPSAMP"
	shift := make([]float64, dims)
	for d := range shift {
		shift[d] = rng.Float64()
	}
	bases := primes(dims)
	out := make([][]float64, n)
	for i := range out {
		out[i] = make([]float64, dims)
		for d := range dims {
			u := radicalInverse(uint64(i+1), bases[d]) + shift[d]
			if u >= 1 {
				u--
			}
			out[i][d] = u
		}
	}
	return out
}

// radicalInverse mirrors the base-b digits of i about the radix point.
func radicalInverse(i, b uint64) float64 {
	var r float64
	f := 1 / float64(b)
	for w := f; i > 0; i /= b {
		r += float64(i%b) * w
		w *= f
	}
	return r
}

// primes returns the first n primes.
func primes(n int) []uint64 {
	var ps []uint64
	for c := uint64(2); len(ps) < n; c++ {
		prime := true
		for _, p := range ps {
			if c%p == 0 {
				prime = false
				break
			}
		}
		if prime {
			ps = append(ps, c)
		}
	}
	return ps
}
