package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readmeStep is one thing the README tells a reader to do, in order: a
// command to run, and what it prints when the README shows it.
type readmeStep struct {
	line int
	args []string // the sweep command, without "sweep"
	want *string  // the output shown, when shown
}

// readmeSteps reads the README's steps in order: the go run ./cmd/sweep
// commands of its sh blocks, the "$ sweep ..." examples with the output
// shown below them (and the command a "# after ..." comment names, first),
// and every sql block with the text block that answers it.
func readmeSteps(t *testing.T, readme string) []readmeStep {
	t.Helper()
	var (
		steps []readmeStep
		fence string // the open block's language, "" outside one
		block []string
		start int
	)
	sc := bufio.NewScanner(strings.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case fence == "" && strings.HasPrefix(line, "```"):
			fence, block, start = strings.TrimPrefix(line, "```")+" ", nil, n+1
			continue
		case fence != "" && line == "```":
			steps = append(steps, blockSteps(t, strings.TrimSpace(fence), start, block, &steps)...)
			fence = ""
			continue
		case fence != "":
			block = append(block, line)
		}
	}
	return steps
}

// blockSteps turns one code block into steps; a text block answers the sql
// step before it.
func blockSteps(t *testing.T, lang string, start int, block []string, prev *[]readmeStep) []readmeStep {
	var steps []readmeStep
	switch {
	case lang == "sh":
		for i, l := range block {
			if cmd, ok := strings.CutPrefix(l, "go run ./cmd/sweep "); ok {
				steps = append(steps, readmeStep{line: start + i, args: shellWords(t, stripComment(cmd))})
			}
		}
	case lang == "sql":
		steps = append(steps, readmeStep{line: start, args: []string{"query", strings.Join(block, "\n") + "\n"}})
	case lang == "text":
		if p := *prev; len(p) > 0 && p[len(p)-1].args[0] == "query" && p[len(p)-1].want == nil {
			want := strings.Join(block, "\n") + "\n"
			p[len(p)-1].want = &want
		}
	case lang == "" && len(block) > 0 && strings.HasPrefix(block[0], "$ sweep "):
		cmd, comment, _ := strings.Cut(strings.TrimPrefix(block[0], "$ sweep "), "#")
		if after, ok := strings.CutPrefix(strings.TrimSpace(comment), "after sweep "); ok {
			steps = append(steps, readmeStep{line: start, args: shellWords(t, after)})
		}
		want := strings.Join(block[1:], "\n") + "\n"
		steps = append(steps, readmeStep{line: start, args: shellWords(t, cmd), want: &want})
	}
	return steps
}

// stripComment drops a trailing shell comment: "# " after two spaces.
func stripComment(cmd string) string {
	if i := strings.Index(cmd, "  #"); i >= 0 {
		return cmd[:i]
	}
	return cmd
}

// shellWords splits a command line as sh would, for the quoting the README
// uses: single and double quotes, no escapes.
func shellWords(t *testing.T, line string) []string {
	t.Helper()
	var (
		words []string
		cur   strings.Builder
		quote rune
		in    bool
	)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words, in = append(words, cur.String()), false
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if quote != 0 {
		t.Fatalf("unbalanced quote in README command %q", line)
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestReadmeInOrder follows the README from the top, as a reader would, in
// one directory and one database (results/sweep.db): every sweep command of
// its sh blocks, every "$ sweep" example and every query with its answer,
// in the order they appear, each checked against what the README shows.
func TestReadmeInOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's sweeps")
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	steps := readmeSteps(t, string(readme))
	shown := 0
	for _, s := range steps {
		if s.want != nil {
			shown++
		}
	}
	if shown < 10 {
		t.Fatalf("found %d README examples with their output, want at least 10", shown)
	}
	experiments, err := filepath.Abs("../../experiments")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(filepath.Join(dir, "experiments"), os.DirFS(experiments)); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, s := range steps {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), s.args, nil, &stdout, &stderr); code != 0 {
			t.Fatalf("README line %d: sweep %s exited %d: %s", s.line, strings.Join(s.args, " "), code, stderr.String())
		}
		if s.want != nil && stdout.String() != *s.want {
			t.Errorf("README line %d: sweep %s prints\n%s\nthe README shows\n%s", s.line, strings.Join(s.args, " "), stdout.String(), *s.want)
		}
	}
}

// TestReadmeSweepFile runs the README's example sweep file as written: it
// parses, runs, refines and passes its expectation.
func TestReadmeSweepFile(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "## The sweep file\n\n```yaml\n")
	if !ok {
		t.Fatal("the README has no example sweep file")
	}
	example, _, _ := strings.Cut(rest, "```")
	dir := t.TempDir()
	file := filepath.Join(dir, "example.yaml")
	if err := os.WriteFile(file, []byte(example), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"run", "--db", filepath.Join(dir, "x.db"), file}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("the README's sweep file: sweep run exited %d:\n%s%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"refined sweep alpha: ", "expectations: 1 of 1 passed"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("sweep run of the README's sweep file does not print %q:\n%s", want, stdout.String())
		}
	}
}
