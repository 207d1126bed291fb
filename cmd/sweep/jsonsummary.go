package main

import (
	"encoding/json"
	"io"

	"sweep/internal/expect"
	"sweep/internal/runner"
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

func writeJSONSummary(w io.Writer, s summary, results []expect.Result) error {
	out := jsonSummary{
		Sweep: s.spec.Name, SweepID: s.sweepID, Database: s.db, Configs: s.spec.Len(), Stored: s.stored,
		StoredBefore: s.before, Ran: s.ranNow, Reused: s.reused, Seconds: s.elapsed.Seconds(), RateAxis: s.spec.RateAxis(),
		Verdicts: []jsonRate{}, Expectations: []jsonExpectation{}, Passed: expect.Failed(results) == 0,
	}
	for _, rc := range s.counts {
		r := jsonRate{Rate: rc.Rate, Counts: map[string]int64{}}
		for _, v := range runner.VerdictsOf(s.spec.Method) {
			r.Counts[v.String()] = rc.Counts[v]
		}
		out.Verdicts = append(out.Verdicts, r)
	}
	for _, r := range results {
		out.Expectations = append(out.Expectations, jsonExpectation{
			Line: r.Expectation.Line, Name: r.Expectation.Name, Passed: r.Passed, Message: r.Message, Differing: r.Differing,
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
