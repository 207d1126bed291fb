// Package grid turns a sweep file (YAML) into a Spec: the settings of a sweep
// and the values of each axis, from which every config of the cartesian
// product can be produced by its index without holding the grid in memory.
//
// Axis values are the decimals a person would write: a linear axis from -2 to
// 2 in steps of 0.1 yields 0.3, never 0.30000000000000004, and the decade
// points of a log axis are exactly 10, 1, 0.1, ... so that a query such as
// WHERE alpha = 0.01 AND input = 0.3 finds its rows.
package grid

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Method names a learning rule.
type Method string

// The learning rules a sweep can run.
const (
	GradientDescent Method = "gradient_descent"
	HotCold         Method = "hot_cold"
	// Command runs a program the user brings, once per config: its
	// standard output is the trace (see package command).
	Command Method = "command"
)

// Axis names, in the order in which a sweep varies them (the first is the
// outermost loop of the cartesian product).
const (
	AxisAlpha      = "alpha"
	AxisStepAmount = "step_amount"
	AxisInput      = "input"
	AxisGoal       = "goal"
	AxisWeight     = "weight"
)

// Limit names: the settings that decide when a run stops. Each may be
// given at the top level (one value) or under grid: (one or more values,
// like an axis).
const (
	LimitIterations = "iterations"
	LimitTolerance  = "tolerance"
	LimitDivergence = "divergence"
)

// Defaults for the settings a sweep file may leave out.
const (
	DefaultIterations = 1000
	DefaultTolerance  = 1e-10
	DefaultDivergence = 1e12
)

// DefaultRefinePrecision is the relative precision of refine: true.
const DefaultRefinePrecision = 1e-6

// The relative precisions refine accepts: coarser than a tenth is no edge,
// and finer than 1e-15 float64 cannot resolve (neighbouring floats are
// 2.2e-16 apart, relatively), so bisection would stop short of it.
const (
	MinRefinePrecision = 1e-15
	MaxRefinePrecision = 0.1
)

// CheckRefinePrecision returns an error saying the valid range when p is
// not a relative precision refine can reach.
func CheckRefinePrecision(p float64) error {
	if !(p >= MinRefinePrecision && p <= MaxRefinePrecision) {
		return fmt.Errorf("%s is not a relative precision in [1e-15, 0.1]", formatFloat(p))
	}
	return nil
}

// Limits on what a sweep file may ask for. They keep a typo (iterations:
// 1e12) from filling memory or the disk before anyone notices: a run holds
// its whole trace (56 bytes a row) until it is stored, and resuming keeps
// one bit per config.
const (
	MaxIterations = 1_000_000
	MaxAxisValues = 1_000_000
	MaxConfigs    = 100_000_000
)

// Limits holds the settings that decide when a run stops.
type Limits struct {
	Iterations int     // most trace rows per run
	Tolerance  float64 // converged when error < Tolerance
	Divergence float64 // diverged when error > Divergence or not finite
}

// TraceStorage is how much of each run's trace a sweep keeps.
type TraceStorage struct {
	// Every is 1 to keep every row, 0 to keep none, and N > 1 to keep every
	// Nth row (steps 0, N, 2N, ...) and the last, deciding row.
	Every int
}

// The two common trace storages.
var (
	TraceAll  = TraceStorage{Every: 1}
	TraceNone = TraceStorage{Every: 0}
)

// Keeps reports whether the row at step is stored for a run of steps rows.
func (t TraceStorage) Keeps(step, steps int) bool {
	switch {
	case t.Every == 0:
		return false
	case t.Every == 1:
		return true
	}
	return step%t.Every == 0 || step == steps-1
}

// String returns the storage as a sweep file writes it: all, none or
// every N.
func (t TraceStorage) String() string {
	switch t.Every {
	case 0:
		return "none"
	case 1:
		return "all"
	}
	return fmt.Sprintf("every %d", t.Every)
}

// ParseTraceStorage reads "all", "none" or "every N" (also "every:N" and
// "every=N", for the command line).
func ParseTraceStorage(s string) (TraceStorage, error) {
	switch s {
	case "all":
		return TraceAll, nil
	case "none":
		return TraceNone, nil
	}
	rest, ok := strings.CutPrefix(s, "every")
	if ok {
		rest = strings.TrimLeft(rest, " :=")
		if n, err := strconv.Atoi(rest); err == nil && n >= 1 && n <= MaxIterations {
			return TraceStorage{Every: n}, nil
		}
	}
	return TraceStorage{}, fmt.Errorf("trace storage %q: want all, none or every N (N from 1 to %d)", s, MaxIterations)
}

// Axis is one dimension of the grid: its name and its values in sweep order.
type Axis struct {
	Name   string
	Values []float64
}

// Spec is a parsed, validated sweep file.
type Spec struct {
	Name   string
	Method Method
	// Limits are the limits of every config, except those that are axes:
	// a limit given under grid: with several values is an axis, and
	// Limits holds its first value.
	Limits Limits
	// Trace is how much of each run's trace to store.
	Trace TraceStorage
	// Axes are the rate axis (alpha or step_amount), input, goal and weight,
	// always in that order, then the limits given under grid: with several
	// values (iterations, tolerance, divergence, in that order).
	Axes []Axis
	// Source is the YAML text as given, stored with the results.
	Source []byte
	// GridLine and GridCol are where the grid is declared, for messages
	// about the grid as a whole.
	GridLine, GridCol int
	// Expect holds the assertions to check once the sweep has run. They
	// are not part of the fingerprint: adding one does not make a new
	// sweep.
	Expect []Expectation
	// Refine is the relative precision to which sweep run refines the
	// edges of learning after the grid (see package refine); 0 for none.
	// Not part of the fingerprint.
	Refine float64

	// The program of method command; empty for the built-in rules.
	Program Program

	// Sample, when not nil, drew the values of the axes given as
	// continuous ranges (see sample.go).
	Sample *Sample
	// Joint are the axes drawn with the rate, by a sample of several
	// continuous axes: not axes of the product, but a value per rate,
	// Joint[j].Values[i] going with the i-th value of the rate axis.
	Joint []Axis
}

// Program is what a sweep of method command runs for each config.
type Program struct {
	// Argv is the command as written: an argv list run without a shell,
	// with {name} standing for the value of an axis or limit.
	Argv []string
	// Line and Col are where command: is written, for messages about it.
	Line, Col int
	// Timeout bounds each run; 0 for none.
	Timeout time.Duration
	// Hash is a hash of the argv and the bytes of every file it names,
	// set by whoever reads those files (the sweep file names them, but
	// Parse reads no file): a part of the fingerprint, so that editing the
	// program makes a new sweep instead of mixing results.
	Hash string
}

// Config is one point of the grid: everything a run needs.
type Config struct {
	// Index is the config's position in the sweep order, 0-based; a sweep's
	// configs are identified by it when a sweep is resumed.
	Index  int64
	Method Method
	// Rate is alpha for gradient descent and step_amount for hot_cold.
	Rate   float64
	Input  float64
	Goal   float64
	Weight float64
	Limits Limits
	// Params holds, for method command, the value of every axis in the
	// order of Spec.Axes; nil for the built-in rules. The axes a program
	// has need not include input, goal or weight: those it lacks are NaN.
	Params []float64
}

// ParamNames returns the names a program's {placeholders} and
// SWEEP_ variables may use: its axes, then the limits that are not axes.
// Params returns their values for a config, in the same order.
func (s *Spec) ParamNames() []string {
	var names []string
	for _, a := range slices.Concat(s.Axes, s.Joint) {
		names = append(names, a.Name)
	}
	for _, l := range limitNames {
		if !slices.Contains(names, l) {
			names = append(names, l)
		}
	}
	return names
}

// Params returns the values of ParamNames for config c of a program's
// sweep.
func (s *Spec) Params(c Config) []float64 {
	out := slices.Clone(c.Params)
	for _, l := range limitNames {
		if !slices.ContainsFunc(s.Axes, func(a Axis) bool { return a.Name == l }) {
			out = append(out, c.Limits.get(l))
		}
	}
	return out
}

// RateAxis returns the name of the sweep's rate axis, its first: alpha or
// step_amount for the built-in rules, the axis rate: names for a command.
func (s *Spec) RateAxis() string {
	if len(s.Axes) > 0 {
		return s.Axes[0].Name
	}
	return s.Method.RateAxis()
}

// RateAxis is the name of the axis that holds the learning rate of a method:
// alpha for gradient descent, step_amount for hot_cold.
func (m Method) RateAxis() string {
	if m == HotCold {
		return AxisStepAmount
	}
	return AxisAlpha
}

// Len returns the number of configs in the grid.
func (s *Spec) Len() int64 {
	n := int64(1)
	for _, a := range s.Axes {
		n *= int64(len(a.Values))
	}
	return n
}

// Config returns the config at index i of the sweep order (0 <= i < Len()).
func (s *Spec) Config(i int64) Config {
	c := Config{Index: i, Method: s.Method, Limits: s.Limits}
	if s.Method == Command {
		c.Params = make([]float64, len(s.Axes)+len(s.Joint))
		c.Input, c.Goal, c.Weight = math.NaN(), math.NaN(), math.NaN()
	}
	rest := i
	for k := len(s.Axes) - 1; k >= 0; k-- {
		a := &s.Axes[k]
		n := int64(len(a.Values))
		at := rest % n
		v := a.Values[at]
		rest /= n
		if c.Params != nil {
			c.Params[k] = v
		}
		if k == 0 {
			c.Rate = v
			if c.Params != nil {
				c.set(a.Name, v) // a program's rate named input, goal or weight fills that column too
			}
			for j, ja := range s.Joint {
				c.set(ja.Name, ja.Values[at])
				if c.Params != nil {
					c.Params[len(s.Axes)+j] = ja.Values[at]
				}
			}
			continue
		}
		c.set(a.Name, v)
	}
	return c
}

// set sets the field of c that the axis named name sets, if it has one:
// input, goal, weight or a limit (a program's other axes are in Params).
func (c *Config) set(name string, v float64) {
	switch {
	case name == AxisInput:
		c.Input = v
	case name == AxisGoal:
		c.Goal = v
	case name == AxisWeight:
		c.Weight = v
	case isLimit(name):
		c.Limits.set(name, v)
	}
}

// isLimit reports whether name is one of the limits.
func isLimit(name string) bool { return slices.Contains(limitNames, name) }

// Indexer returns a function that gives the index of a config in the
// sweep order, and whether the grid has that config at all: the same
// method, each value one of its axis' values, and the limits that are not
// axes the sweep's. It holds one map per axis.
func (s *Spec) Indexer() func(Config) (int64, bool) {
	pos := make([]map[float64]int64, len(s.Axes))
	for k, a := range s.Axes {
		pos[k] = make(map[float64]int64, len(a.Values))
		for i, v := range a.Values {
			pos[k][v] = int64(i)
		}
	}
	var fixed []string // the limits that are not axes
	for _, name := range limitNames {
		if !slices.ContainsFunc(s.LimitAxes(), func(a Axis) bool { return a.Name == name }) {
			fixed = append(fixed, name)
		}
	}
	return func(c Config) (int64, bool) {
		if c.Method != s.Method {
			return 0, false
		}
		for _, name := range fixed {
			if c.Limits.get(name) != s.Limits.get(name) {
				return 0, false
			}
		}
		if s.Method == Command && len(c.Params) != len(s.Axes)+len(s.Joint) {
			return 0, false
		}
		var idx int64
		for k, a := range s.Axes {
			var v float64
			switch {
			case c.Params != nil:
				v = c.Params[k]
			case k == 0:
				v = c.Rate
			case a.Name == AxisInput:
				v = c.Input
			case a.Name == AxisGoal:
				v = c.Goal
			case a.Name == AxisWeight:
				v = c.Weight
			default:
				v = c.Limits.get(a.Name)
			}
			p, ok := pos[k][v]
			if !ok || k == 0 && !s.jointAt(c, p) {
				return 0, false
			}
			idx = idx*int64(len(a.Values)) + p
		}
		return idx, true
	}
}

// jointAt reports whether c has the joint values of the rate's position p.
func (s *Spec) jointAt(c Config, p int64) bool {
	for j, ja := range s.Joint {
		var v float64
		switch {
		case c.Params != nil:
			v = c.Params[len(s.Axes)+j]
		case ja.Name == AxisInput:
			v = c.Input
		case ja.Name == AxisGoal:
			v = c.Goal
		default:
			v = c.Weight
		}
		if v != ja.Values[p] {
			return false
		}
	}
	return true
}

// set sets the limit named name to v.
func (l *Limits) set(name string, v float64) {
	switch name {
	case LimitIterations:
		l.Iterations = int(v)
	case LimitTolerance:
		l.Tolerance = v
	case LimitDivergence:
		l.Divergence = v
	}
}

// get returns the limit named name.
func (l Limits) get(name string) float64 {
	switch name {
	case LimitIterations:
		return float64(l.Iterations)
	case LimitTolerance:
		return l.Tolerance
	}
	return l.Divergence
}

// LimitValues returns the values the sweep gives the limit named name:
// its axis' values, or the one value of every config.
func (s *Spec) LimitValues(name string) []float64 {
	for _, a := range s.LimitAxes() {
		if a.Name == name {
			return a.Values
		}
	}
	return []float64{s.Limits.get(name)}
}

// LimitAxes returns the axes that are limits (none when every config has
// the same limits): the last axes, after those of the rule or program.
func (s *Spec) LimitAxes() []Axis {
	i := len(s.Axes)
	for i > 0 && isLimit(s.Axes[i-1].Name) {
		i--
	}
	return s.Axes[i:]
}

// MaxIterations returns the largest iterations of any config.
func (s *Spec) MaxIterations() int { return int(slices.Max(s.LimitValues(LimitIterations))) }

// Configs yields every config of the grid in sweep order, computing each from
// its index so that the grid is never held in memory whole.
func (s *Spec) Configs() iter.Seq[Config] {
	return func(yield func(Config) bool) {
		n := s.Len()
		for i := int64(0); i < n; i++ {
			if !yield(s.Config(i)) {
				return
			}
		}
	}
}

// Fingerprint returns a hash of everything that decides a sweep's results:
// name, method, limits and the exact bits of every axis value. Two sweep files
// with the same fingerprint produce the same runs, so re-running one into a
// database that already holds the other resumes it instead of starting over.
// Comments and formatting of the YAML do not change it.
func (s *Spec) Fingerprint() string {
	h := sha256.New()
	var buf [8]byte
	putString := func(x string) {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(x)))
		h.Write(buf[:])
		h.Write([]byte(x))
	}
	putFloat := func(x float64) {
		binary.LittleEndian.PutUint64(buf[:], math.Float64bits(x))
		h.Write(buf[:])
	}
	putString("sweep/v1")
	putString(s.Name)
	putString(string(s.Method))
	putFloat(float64(s.Limits.Iterations))
	putFloat(s.Limits.Tolerance)
	putFloat(s.Limits.Divergence)
	if s.Trace != TraceAll { // so that sweeps from before trace storage keep their fingerprint
		putString("trace " + s.Trace.String())
	}
	for _, a := range s.Axes {
		putString(a.Name)
		putFloat(float64(len(a.Values)))
		for _, v := range a.Values {
			putFloat(v)
		}
	}
	for _, a := range s.Joint { // none, but for a sample of several axes
		putString("joint " + a.Name)
		for _, v := range a.Values {
			putFloat(v)
		}
	}
	if s.Method == Command {
		// The rate axis is the first, so its name is in the hash already.
		putFloat(float64(len(s.Program.Argv)))
		for _, arg := range s.Program.Argv {
			putString(arg)
		}
		putString("timeout " + s.Program.Timeout.String())
		putString("program " + s.Program.Hash)
	}
	return hex.EncodeToString(h.Sum(nil))
}
