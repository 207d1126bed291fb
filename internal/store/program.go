package store

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"sweep/internal/command"
	"sweep/internal/grid"
	"sweep/internal/runner"
)

// ProgramTrace encodes the kept rows of a program's run as trace_values.rows
// holds them (see 0007_programs.sql): a JSON array with one element per
// row, [step, weight, pred, error, delta, weight_delta] with null where the
// program gave no value, and the row's metrics as a seventh element, an
// object, when it printed any. Numbers are written as appendJSONFloat
// writes them. Its buffer is reused from run to run.
type ProgramTrace struct {
	buf  []byte
	rows int
}

// Start begins a run's trace.
func (t *ProgramTrace) Start() {
	t.buf, t.rows = append(t.buf[:0], '['), 0
}

// Add writes the next kept rows, in step order.
func (t *ProgramTrace) Add(rows []command.Row) {
	for _, r := range rows {
		if t.rows > 0 {
			t.buf = append(t.buf, ',')
		}
		t.rows++
		t.buf = append(t.buf, '[')
		t.buf = strconv.AppendInt(t.buf, int64(r.Step), 10)
		for _, v := range [...]struct {
			has   bool
			value float64
		}{
			{r.Has&command.HasWeight != 0, r.Weight},
			{r.Has&command.HasPred != 0, r.Pred},
			{true, r.Error},
			{r.Has&command.HasDelta != 0, r.Delta},
			{r.Has&command.HasWeightDelta != 0, r.WeightDelta},
		} {
			t.buf = append(t.buf, ',')
			if v.has {
				t.buf = appendJSONFloat(t.buf, v.value)
			} else {
				t.buf = append(t.buf, "null"...)
			}
		}
		if len(r.Metrics) > 0 {
			t.buf = append(t.buf, ",{"...)
			for i, m := range r.Metrics {
				if i > 0 {
					t.buf = append(t.buf, ',')
				}
				t.buf = appendJSONString(t.buf, m.Name)
				t.buf = append(t.buf, ':')
				t.buf = appendJSONFloat(t.buf, m.Value)
			}
			t.buf = append(t.buf, '}')
		}
		t.buf = append(t.buf, ']')
	}
}

// Finish returns the trace's text, "" when no row was kept.
func (t *ProgramTrace) Finish() string {
	if t.rows == 0 {
		return ""
	}
	return string(append(t.buf, ']'))
}

// ProgramRecord is the record of a program's run of config c of spec: its
// verdict and last row from out, its params, and why it failed when it
// did. trace is its encoded trace ("" for none).
func ProgramRecord(spec *grid.Spec, c grid.Config, out command.Outcome, trace string) *Record {
	rec := &Record{
		Config: c, Verdict: out.Verdict, Steps: out.Steps,
		FinalWeight: math.NaN(), FinalError: math.NaN(),
		Weights: trace, Params: ProgramParams(spec, c),
	}
	if out.Steps > 0 {
		rec.FinalError = out.Last.Error
		if out.Last.Has&command.HasWeight != 0 {
			rec.FinalWeight = out.Last.Weight
		}
	}
	if out.Verdict == runner.Failed {
		rec.Failure = &Failure{Reason: out.Reason, Stderr: out.Stderr}
	}
	return rec
}

// ProgramParams is runs.params of config c of a program's sweep: the axes
// that have no column of their own, as a JSON object in axis order, or ""
// when every axis has one.
func ProgramParams(spec *grid.Spec, c grid.Config) string {
	var buf []byte
	for k, a := range slices.Concat(spec.Axes, spec.Joint) { // c.Params is in this order
		switch {
		case k == 0, a.Name == grid.AxisInput, a.Name == grid.AxisGoal, a.Name == grid.AxisWeight,
			a.Name == grid.LimitIterations, a.Name == grid.LimitTolerance, a.Name == grid.LimitDivergence:
			continue
		}
		if buf == nil {
			buf = append(buf, '{')
		} else {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, a.Name)
		buf = append(buf, ':')
		buf = appendJSONFloat(buf, c.Params[k])
	}
	if buf == nil {
		return ""
	}
	return string(append(buf, '}'))
}

// appendJSONString appends s as a JSON string: a metric's name is whatever
// key the program printed.
func appendJSONString(buf []byte, s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return append(buf, b...)
}
