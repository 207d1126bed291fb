package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestReadmeQueries runs experiments/alpha.yaml and every SQL query of the
// README that is followed by its answer, and checks the answer, so that the
// README stays true.
func TestReadmeQueries(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	pairs := regexp.MustCompile("(?s)```sql\n(.*?)```\\s*```text\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(pairs) < 3 {
		t.Fatalf("found %d queries with answers in the README, want at least 3", len(pairs))
	}
	dbPath := filepath.Join(t.TempDir(), "alpha.db")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", "--db", dbPath, "../../experiments/alpha.yaml"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("sweep run exited %d: %s", code, stderr.String())
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, p := range pairs {
		query, want := string(p[1]), string(p[2])
		got, err := shellOutput(db, query)
		if err != nil {
			t.Errorf("README query %d: %v\n%s", i+1, err, query)
			continue
		}
		if got != want {
			t.Errorf("README query %d:\n%s\ngives\n%s\nthe README says\n%s", i+1, query, got, want)
		}
	}
}

// shellOutput prints a query's rows as the sqlite3 shell does in its
// default list mode: columns separated by |, REALs as printf("%!.15g").
func shellOutput(db *sql.DB, query string) (string, error) {
	rows, err := db.Query(query)
	if err != nil {
		return "", err
	}
	return printRows(rows, shellReal, "")
}

// shellReal is SQLite's printf("%!.15g"): 15 significant digits, and a
// decimal point always (2.0, 1.0e+20).
func shellReal(f float64) string {
	s := strconv.FormatFloat(f, 'g', 15, 64)
	if strings.ContainsAny(s, ".nN") {
		return s
	}
	if i := strings.IndexByte(s, 'e'); i >= 0 {
		return s[:i] + ".0" + s[i:]
	}
	return s + ".0"
}

func TestShellReal(t *testing.T) {
	for _, tt := range []struct {
		f    float64
		want string
	}{{2, "2.0"}, {0.30000000000000004, "0.3"}, {1e20, "1.0e+20"}, {5.62341325190349, "5.62341325190349"}, {1.0 / 3, "0.333333333333333"}, {0.0001, "0.0001"}} {
		if got := shellReal(tt.f); got != tt.want {
			t.Errorf("shellReal(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}
