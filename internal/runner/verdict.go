package runner

import (
	"fmt"

	"sweep/internal/grid"
)

// Verdict is what a run is judged to be; DOMAIN.md defines each.
type Verdict uint8

// The verdicts, in the order in which reports list them.
const (
	Converged   Verdict = iota // error < tolerance
	Diverged                   // error > divergence bound, or not finite
	Oscillating                // the weight came back to its value of two steps before
	Stalled                    // the weight stopped changing while error >= tolerance
	Unfinished                 // the iteration budget ran out first
	Failed                     // a user's program exited non-zero, died, timed out or broke the protocol first

	NumVerdicts = 6 // how many verdicts there are
)

// Verdicts lists the verdicts of the built-in learning rules in report
// order. Failed is not among them: a built-in rule cannot fail, and its
// reports keep the columns they always had.
var Verdicts = []Verdict{Converged, Diverged, Oscillating, Stalled, Unfinished}

// CommandVerdicts lists the verdicts of a user's program (method: command)
// in report order: the built-ins' and failed.
var CommandVerdicts = []Verdict{Converged, Diverged, Oscillating, Stalled, Unfinished, Failed}

// VerdictsOf returns the verdicts a sweep of method m can have, in report
// order: CommandVerdicts for a program, Verdicts for a built-in rule.
func VerdictsOf(m grid.Method) []Verdict {
	if m == grid.Command {
		return CommandVerdicts
	}
	return Verdicts
}

var verdictNames = [...]string{"converged", "diverged", "oscillating", "stalled", "unfinished", "failed"}

// String returns the verdict's name as stored in the database.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", v)
}

// ParseVerdict returns the verdict with the given name, or an error.
func ParseVerdict(name string) (Verdict, error) {
	for i, n := range verdictNames {
		if n == name {
			return Verdict(i), nil
		}
	}
	return 0, fmt.Errorf("unknown verdict %q", name)
}
