package expect

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Failed returns how many results failed.
func Failed(results []Result) int {
	n := 0
	for _, r := range results {
		if !r.Passed {
			n++
		}
	}
	return n
}

// Print writes a readable report: a line per expectation, and under each
// failed one the runs that broke it.
func Print(w io.Writer, rateAxis string, results []Result) {
	fmt.Fprintf(w, "expectations: %d of %d passed\n", len(results)-Failed(results), len(results))
	for _, r := range results {
		mark := "ok  "
		if !r.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s line %d: %s: %s\n", mark, r.Expectation.Line, r.Expectation.Name, r.Message)
		for _, run := range r.Differing {
			fmt.Fprintf(w, "         %s\n", run.describe(rateAxis))
		}
		if r.Expectation.SQL == "" && len(r.Differing) == MaxListed {
			fmt.Fprintf(w, "         ... (the first %d are listed)\n", MaxListed)
		}
	}
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the results as JUnit XML, one test case per
// expectation, so that CI systems show them: suite is the sweep's name.
func WriteJUnit(w io.Writer, suite, rateAxis string, results []Result) error {
	s := junitSuite{Name: suite, Tests: len(results), Failures: Failed(results)}
	for _, r := range results {
		c := junitCase{Classname: suite, Name: fmt.Sprintf("line %d: %s", r.Expectation.Line, r.Expectation.Name)}
		if !r.Passed {
			var text strings.Builder
			for _, run := range r.Differing {
				fmt.Fprintln(&text, run.describe(rateAxis))
			}
			c.Failure = &junitFailure{Message: r.Message, Text: text.String()}
		}
		s.Cases = append(s.Cases, c)
	}
	doc := junitSuites{Name: "sweep", Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// describe says which run it is and what it did.
func (r Run) describe(rateAxis string) string {
	steps := "steps"
	if r.Steps == 1 {
		steps = "step"
	}
	config := fmt.Sprintf("%s %g", rateAxis, r.Rate)
	for _, a := range []struct {
		name  string
		value *float64
	}{{"input", r.Input}, {"goal", r.Goal}, {"weight", r.Weight}} {
		if a.value != nil {
			config += fmt.Sprintf(", %s %g", a.name, *a.value)
		}
	}
	if r.Params != "" {
		config += ", " + r.Params
	}
	return fmt.Sprintf("run %d (%s): %s in %d %s", r.ID, config, r.Verdict, r.Steps, steps)
}
