package store

import "testing"

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
