package store

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// A program's runs read through the views as the built-ins' do: the trace
// view gives the rows it printed (NULL where it printed none), trace_metrics
// its other numbers, failures why a run failed, and the counts and safe
// rates count failed and keep its other axes (params) apart.
func TestProgramRunsInViews(t *testing.T) {
	st := openTemp(t)
	writeProgramSweep(t, st)
	for _, tt := range []struct{ query, want string }{
		{"SELECT run_id, step, weight, pred, error, delta, weight_delta FROM trace ORDER BY run_id, step",
			"1|0|NULL|0.25|0.5|NULL|NULL\n1|1|NULL|0.8|1e-13|NULL|NULL"},
		{"SELECT typeof(step), typeof(pred), typeof(error) FROM trace LIMIT 1", "integer|real|real"},
		{"SELECT run_id, step, name, value FROM trace_metrics", "1|0|loss|0.5"},
		{"SELECT run_id, sweep, alpha, input, params, steps, reason, stderr FROM failures",
			"2|program|0.1|NULL|{\"momentum\":0.9}|0|exit status 3|Traceback ...\nValueError\n"},
		{"SELECT alpha, configs, converged, failed FROM verdict_counts ORDER BY alpha", "0.1|1|0|1\n1|1|1|0"},
		{"SELECT input, largest_safe_alpha, smallest_unsafe_alpha, theory_largest_alpha, params FROM safe_alpha",
			"NULL|1|NULL|NULL|{\"momentum\":0.9}"},
		{"SELECT json_extract(params, '$.momentum'), typeof(json_extract(params, '$.momentum')) FROM runs LIMIT 1", "0.9|real"},
		{"SELECT method, configs, stored, converged, failed FROM sweep_overview", "command|2|2|1|1"},
		{"SELECT rate_axis, program_hash FROM sweeps", "lr|0123abcd"},
		{"SELECT input IS NULL, goal IS NULL, weight IS NULL, method FROM runs LIMIT 1", "1|1|1|command"},
		{"SELECT sweep, input, edge, n, edges, change, value, theory, params FROM boundary", "program|NULL|converge|0|1|stops|0.5|NULL|{\"momentum\":0.9}"},
	} {
		if got := queryText(t, st, tt.query); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.query, got, tt.want)
		}
	}
}

// queryText runs query and returns its rows as lines of |-separated
// values, NULL for NULL, as the sqlite3 shell prints them.
func queryText(t *testing.T, st *Store, query string) string {
	t.Helper()
	rows, err := st.db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var fields []string
		for _, v := range vals {
			switch v := v.(type) {
			case nil:
				fields = append(fields, "NULL")
			case []byte:
				fields = append(fields, string(v))
			case float64:
				fields = append(fields, strconv.FormatFloat(v, 'g', -1, 64))
			default:
				fields = append(fields, fmt.Sprint(v))
			}
		}
		lines = append(lines, strings.Join(fields, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
