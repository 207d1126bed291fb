package store

import (
	"context"
	"errors"
	"testing"
)

func TestFindSweep(t *testing.T) {
	ctx := context.Background()
	st := openTemp(t)
	// alpha (1), beta (2), alpha again (3), the refinement of 3 (4), and a
	// grid named "2" (5), whose name loses to the id 2.
	for i, s := range []struct {
		name    string
		refines any
	}{{"alpha", nil}, {"beta", nil}, {"alpha", nil}, {"alpha refine", 3}, {"2", nil}} {
		if _, err := st.db.ExecContext(ctx, `INSERT INTO sweeps (name, fingerprint, method, file, yaml, configs, first_run_id, trace_every, refines, started_at, status)
			VALUES (?, ?, 'gradient_descent', 'f.yaml', '', 1, ?, 1, ?, '2026-01-01T00:00:00.000Z', 'done')`, s.name, s.name+string(rune('a'+i)), i+1, s.refines); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, arg string
		want      int64
		err       string
	}{
		{"newest grid", "", 5, ""},
		{"name means its newest", "alpha", 3, ""},
		{"id", "1", 1, ""},
		{"refinement by name", "alpha refine", 4, ""},
		{"id before name", "2", 2, ""},
		{"unknown name", "gamma", 0, st.path + `: holds no sweep named gamma; it holds: alpha (1, 3), beta (2), alpha refine (4), 2 (5)`},
		{"unknown id", "9", 0, st.path + `: holds no sweep 9; it holds: alpha (1, 3), beta (2), alpha refine (4), 2 (5)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.FindSweep(ctx, tc.arg)
			if tc.err != "" {
				var fe *FileError
				if !errors.As(err, &fe) || err.Error() != tc.err || fe.Hint == "" {
					t.Fatalf("FindSweep(%q) = %v, want the *FileError %q with a hint", tc.arg, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("FindSweep(%q) = %d, want %d", tc.arg, got, tc.want)
			}
		})
	}
	if _, err := st.LoadGridSweep(ctx, "alpha refine"); err == nil {
		t.Error("LoadGridSweep of a refinement succeeded")
	}
	if g, err := st.LoadGridSweep(ctx, "alpha"); err != nil || g.ID != 3 {
		t.Errorf("LoadGridSweep(alpha) = %+v, %v, want sweep 3", g, err)
	}
}
