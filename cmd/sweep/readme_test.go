package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestReadmeQueries runs experiments/alpha.yaml and experiments/edges.yaml
// into one database, then every SQL query of the README that is followed by
// its answer, through sweep query, and checks the answer, so that the
// README stays true.
func TestReadmeQueries(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	pairs := regexp.MustCompile("(?s)```sql\n(.*?)```\\s*```text\n(.*?)```").FindAllSubmatch(readme, -1)
	if len(pairs) < 6 {
		t.Fatalf("found %d queries with answers in the README, want at least 6", len(pairs))
	}
	db := filepath.Join(t.TempDir(), "cookbook.db")
	for _, file := range []string{"alpha.yaml", "edges.yaml"} {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"run", "--db", db, "../../experiments/" + file}, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("sweep run %s exited %d: %s", file, code, stderr.String())
		}
	}
	for i, p := range pairs {
		query, want := string(p[1]), string(p[2])
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), []string{"query", "--db", db, query}, nil, &stdout, &stderr); code != 0 {
			t.Errorf("README query %d exited %d: %s\n%s", i+1, code, stderr.String(), query)
			continue
		}
		if got := stdout.String(); got != want {
			t.Errorf("README query %d:\n%s\ngives\n%s\nthe README says\n%s", i+1, query, got, want)
		}
	}
}

// TestReadmeShow checks the example of sweep show in the README.
func TestReadmeShow(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```\n\\$ sweep show 1 --head 3 --tail 1 +# after sweep run experiments/book.yaml\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("the README has no sweep show example")
	}
	db := filepath.Join(t.TempDir(), "book.db")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", "--db", db, "../../experiments/book.yaml"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("sweep run exited %d: %s", code, stderr.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"show", "--db", db, "1", "--head", "3", "--tail", "1"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("sweep show exited %d: %s", code, stderr.String())
	}
	if got, want := stdout.String(), string(m[1]); got != want {
		t.Errorf("sweep show prints\n%s\nthe README says\n%s", got, want)
	}
}
