package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"sweep/internal/expect"
	"sweep/internal/runner"
	"sweep/internal/store"
)

// jsonSummary is what sweep run --json writes: the summary of the sweep and
// the outcome of its expectations, for programs.
type jsonSummary struct {
	Sweep        string            `json:"sweep"`
	SweepID      int64             `json:"sweep_id"`
	Database     string            `json:"database"`
	Configs      int64             `json:"configs"`
	Stored       int64             `json:"stored"`
	StoredBefore int64             `json:"stored_before"`
	Ran          int64             `json:"ran"`
	Reused       int64             `json:"reused"` // runs copied from other sweeps of the database, not run again
	Seconds      float64           `json:"seconds"`
	RateAxis     string            `json:"rate_axis"`
	Verdicts     []jsonRate        `json:"verdicts"`
	Expectations []jsonExpectation `json:"expectations"`
	Passed       bool              `json:"passed"` // every expectation passed
}

type jsonRate struct {
	Rate   float64          `json:"rate"`
	Counts map[string]int64 `json:"counts"`
}

type jsonExpectation struct {
	Line      int          `json:"line"`
	Name      string       `json:"name"`
	Passed    bool         `json:"passed"`
	Message   string       `json:"message"`
	Differing []expect.Run `json:"differing,omitempty"`
}

// writeJSONSummary writes the summary as JSON, indented by two spaces.
// The verdicts of every rate are streamed into it one at a time, so that
// a sweep of a million rates is never held whole.
func writeJSONSummary(w io.Writer, s summary, results []expect.Result) error {
	out := jsonSummary{
		Sweep: s.spec.Name, SweepID: s.sweepID, Database: s.db, Configs: s.spec.Len(), Stored: s.stored,
		StoredBefore: s.before, Ran: s.ranNow, Reused: s.reused, Seconds: s.elapsed.Seconds(), RateAxis: s.spec.RateAxis(),
		Verdicts: []jsonRate{}, Expectations: []jsonExpectation{}, Passed: expect.Failed(results) == 0,
	}
	for _, r := range results {
		out.Expectations = append(out.Expectations, jsonExpectation{
			Line: r.Expectation.Line, Name: r.Expectation.Name, Passed: r.Passed, Message: r.Message, Differing: r.Differing,
		})
	}
	text, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	// The rates go where the empty list of verdicts is.
	const empty = `"verdicts": [],`
	before, after, ok := bytes.Cut(text, []byte(empty))
	if !ok {
		return fmt.Errorf("json summary: no %s", empty)
	}
	bw := bufio.NewWriter(w)
	bw.Write(before)
	bw.WriteString(`"verdicts": [`)
	n := 0
	err = s.eachRate(func(rc store.RateCounts) error {
		r := jsonRate{Rate: rc.Rate, Counts: map[string]int64{}}
		for _, v := range runner.VerdictsOf(s.spec.Method) {
			r.Counts[v.String()] = rc.Counts[v]
		}
		elem, err := json.MarshalIndent(r, "    ", "  ")
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		n++
		_, err = bw.Write(elem)
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("],")
	bw.Write(after)
	bw.WriteString("\n")
	return bw.Flush()
}
