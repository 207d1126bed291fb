package store

import (
	"slices"
	"strings"
	"testing"
)

func TestCountStatements(t *testing.T) {
	for _, tt := range []struct {
		text string
		want int
	}{
		{"SELECT 1", 1},
		{"SELECT 1;", 1},
		{"  SELECT 1 ;  \n ", 1},
		{"SELECT 1; SELECT 2", 2},
		{"SELECT 1;; ;", 1},
		{"SELECT ';' AS semi", 1},
		{"SELECT 'it''s; fine'", 1},
		{`SELECT "a;b" FROM runs`, 1},
		{"SELECT [x;y] FROM t", 1},
		{"SELECT 1 -- a comment; not a statement\n", 1},
		{"SELECT 1 /* ; */ ; DELETE FROM runs", 2},
		{"-- only a comment", 0},
		{"", 0},
		{"SELECT 1; -- trailing comment", 1},
	} {
		if got := countStatements(tt.text); got != tt.want {
			t.Errorf("countStatements(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestStripComments(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"ALTER TABLE runs ADD COLUMN params TEXT; -- a comment", "ALTER TABLE runs ADD COLUMN params TEXT; "},
		{"a /* b */ c", "a   c"},
		{"'--not a comment' x", "'--not a comment' x"},
		{`"/*" y`, `"/*" y`},
		{"'unclosed", "'unclosed"},
		{"x -- to the end", "x "},
		{"a -- one\nb", "a  \nb"},
	} {
		if got := stripComments(tt.in); got != tt.want {
			t.Errorf("stripComments(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A reader of a database of schema 5 reads the columns and tables the
// schemas after it add: the columns through views, the tables empty, but
// for run_counts, which read/0008 gives as a view of the runs.
func TestNewerTables(t *testing.T) {
	added, created := newerTables(5)
	if got := added["sweeps"]; !slices.Equal(got, []string{"sweep_version", "host", "git_commit", "command", "rate_axis", "program_hash"}) {
		t.Errorf("sweeps gains %v", got)
	}
	if got := added["runs"]; !slices.Equal(got, append([]string{"trace_run", "params"}, strings.Split(factColumns, ", ")...)) {
		t.Errorf("runs gains %v", got)
	}
	var names []string
	for _, stmt := range created {
		names = append(names, strings.Fields(stripComments(stmt))[2])
	}
	if !slices.Equal(names, []string{"trace_values", "run_failures"}) {
		t.Errorf("created %v, want trace_values and run_failures (boundaries_v6 is renamed, run_counts a view)", names)
	}
}
