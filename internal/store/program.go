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

// ProgramTrace encodes the kept rows of a program's run as trace_values
// holds them (see 0007_programs.sql), in chunks: each a JSON array with one
// element per row, [step, weight, pred, error, delta, weight_delta] with
// null where the program gave no value, and the row's metrics as a
// seventh element, an object, when it printed any. Numbers are written as
// appendJSONFloat writes them.
//
// A chunk is handed to send as soon as it holds chunkBytes of text or
// chunkRows rows, so that a run of a million rows is never held whole: a
// worker holds one chunk, whatever the run's length. The chunks of a run
// reach the database before its row does; see writer.programChunk.
type ProgramTrace struct {
	buf   []byte
	rows  int // rows in buf
	chunk int // the number of the chunk in buf, from 0
	send  func(chunk int, text string) error
	err   error // the first error of send
}

// The size of a trace chunk: about a megabyte, as the built-ins' batches.
const (
	chunkBytes = 1 << 20
	chunkRows  = 4096
)

// Start begins a run's trace; send takes each full chunk, numbered from 0.
func (t *ProgramTrace) Start(send func(chunk int, text string) error) {
	t.buf, t.rows, t.chunk, t.send, t.err = append(t.buf[:0], '['), 0, 0, send, nil
}

// Rows returns what to give command.Program.Run for a trace stored as
// storage says: Add, or nil when no row is stored (Run passes the
// deciding row to emit whatever every is, and a sweep run with --trace
// none stores none, as the built-ins' do).
func (t *ProgramTrace) Rows(storage grid.TraceStorage) func([]command.Row) {
	if storage.Every == 0 {
		return nil
	}
	return t.Add
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
		if len(t.buf) >= chunkBytes || t.rows >= chunkRows {
			if t.err == nil {
				t.err = t.send(t.chunk, string(append(t.buf, ']')))
			}
			t.buf, t.rows = append(t.buf[:0], '['), 0
			t.chunk++
		}
	}
}

// Finish returns the last chunk of the trace, its number and its text
// ("" when it holds no row), and the first error of send.
func (t *ProgramTrace) Finish() (chunk int, text string, err error) {
	if t.rows > 0 {
		text = string(append(t.buf, ']'))
	}
	if cap(t.buf) > 4*chunkBytes {
		t.buf = nil // one line of many metrics grew it: not kept for good
	}
	return t.chunk, text, t.err
}

// ProgramChunk is a record of a chunk of the trace of config c's run, not
// its last: written before the run's own record.
func ProgramChunk(c grid.Config, chunk int, text string) *Record {
	return &Record{Config: c, Weights: text, Chunk: chunk, TraceOnly: true}
}

// ProgramRecord is the record of a program's run of config c of spec: its
// verdict and last row from out, its params, and why it failed when it
// did. chunk and text are the last chunk of its trace (see ProgramTrace).
func ProgramRecord(spec *grid.Spec, c grid.Config, out command.Outcome, chunk int, text string) *Record {
	rec := &Record{
		Config: c, Verdict: out.Verdict, Steps: out.Steps,
		FinalWeight: math.NaN(), FinalError: math.NaN(),
		Weights: text, Chunk: chunk, Params: ProgramParams(spec, c),
		Facts: out.Facts,
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
