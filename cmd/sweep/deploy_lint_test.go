package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The deploy files are checked by real linters, so that a typo in a shipped
// file fails CI. Each check runs on the shipped file, which must pass, and
// on deliberately broken copies, which must fail with the expected message:
// a check that passes everything fails its test.
//
// The linters are Go modules run with go run at pinned versions, outside
// go.mod: the first run fetches and builds them (about a minute), later runs
// use the build cache. A test is skipped, with the error, only when a linter
// cannot be fetched.

// actionlintPkg is the pinned GitHub Actions linter.
const actionlintPkg = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"

// brokenCopy writes src with old replaced by new into a temporary file and
// returns its path; it fails the test when old is not in src, so that an
// edit of the shipped file cannot turn a broken copy into a good one.
func brokenCopy(t *testing.T, src, name, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if old != "" && !strings.Contains(string(data), old) {
		t.Fatalf("%s has no %q to break", src, old)
	}
	broken := strings.Replace(string(data), old, new, 1)
	if old == "" {
		broken = new
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// goTool returns the go command, skipping the test when there is none.
func goTool(t *testing.T) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to run the linter with: %v", err)
	}
	return gobin
}

// lintCase is a file to check and, for a broken copy, the message the
// linter must print about it.
type lintCase struct {
	name string
	path string
	want string // "" for a file that must pass
}

func runLintCases(t *testing.T, lint func(path string) (string, error), cases []lintCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := lint(c.path)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("the shipped file fails the check: %v\n%s", err, out)
			case c.want != "" && err == nil:
				t.Errorf("a broken copy passes the check:\n%s", out)
			case c.want != "" && !strings.Contains(out, c.want):
				t.Errorf("the check failed without saying %q:\n%s", c.want, out)
			}
		})
	}
}

// TestLintGitHubActions checks deploy/github-actions.yml with actionlint:
// the workflow syntax (keys of each section, required ones such as runs-on),
// ${{ }} expressions and their types (an undefined matrix key, an unknown
// context), job needs, action inputs of well-known actions, and glob
// patterns. The shell scripts in run: steps are checked by shellcheck where
// it is on PATH (.ci/run installs it; without it actionlint skips them, and
// so does this test's broken script); Python ones would need pyflakes.
func TestLintGitHubActions(t *testing.T) {
	gobin := goTool(t)
	if out, err := exec.Command(gobin, "run", actionlintPkg, "-version").CombinedOutput(); err != nil {
		t.Skipf("cannot fetch or build %s: %v\n%s", actionlintPkg, err, out)
	}
	const wf = "../../deploy/github-actions.yml"
	lint := func(path string) (string, error) {
		out, err := exec.Command(gobin, "run", actionlintPkg, "-no-color", path).CombinedOutput()
		return string(out), err
	}
	cases := []lintCase{
		{"shipped", wf, ""},
		{"runs-on misspelled", brokenCopy(t, wf, "runs-on.yml", "runs-on:", "runs_on:"),
			`"runs-on" section is missing in job "shard"`},
		{"undefined matrix key", brokenCopy(t, wf, "matrix.yml", "matrix.shard }}.db", "matrix.shrad }}.db"),
			`property "shrad" is not defined in object type {shard: number}`},
		{"unknown job in needs", brokenCopy(t, wf, "needs.yml", "needs: shard", "needs: shards"),
			`job "merge" needs job "shards" which does not exist`},
		{"bad YAML", brokenCopy(t, wf, "yaml.yml", "jobs:\n", "jobs:\n  - [\n"), "could not parse as YAML"},
	}
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Logf("no shellcheck on PATH: the run: scripts are not checked (%v)", err)
	} else {
		cases = append(cases, lintCase{"unquoted variable in run:",
			brokenCopy(t, wf, "shell.yml", `"$SWEEP_FILE"`, `$SWEEP_FILE`), "SC2086"})
	}
	runLintCases(t, lint, cases)
}

// TestLintKubernetes checks deploy/kubernetes-job.yaml by decoding each
// document strictly into the real Kubernetes API types (k8s.io/api, through
// testdata/k8sdecode, a module of its own run with go run): YAML that does
// not parse, an apiVersion or kind that Kubernetes does not define, and a
// field that the kind does not have, at any depth, all fail. It does not
// check values (an unknown completionMode, a negative count) nor anything a
// cluster decides (admission, quotas, the image).
//
// Why not kubectl: with no cluster, kubectl create --dry-run=client and
// kubectl apply --dry-run=client fail before reading a field, since they
// look the kind up through the server's discovery API (--validate=false
// does not change that) and --validate=strict downloads the server's
// OpenAPI; kubectl's only offline reading (--local, as in kubectl label
// --local) parses the YAML and accepts "parallelizm" and kind "Jbo".
func TestLintKubernetes(t *testing.T) {
	gobin := goTool(t)
	dir, err := filepath.Abs("testdata/k8sdecode")
	if err != nil {
		t.Fatal(err)
	}
	download := exec.Command(gobin, "mod", "download")
	download.Dir = dir
	if out, err := download.CombinedOutput(); err != nil {
		t.Skipf("cannot fetch the modules of testdata/k8sdecode: %v\n%s", err, out)
	}
	manifest, err := filepath.Abs("../../deploy/kubernetes-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	lint := func(path string) (string, error) {
		cmd := exec.Command(gobin, "run", ".", path)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	runLintCases(t, lint, []lintCase{
		{"shipped", manifest, ""},
		{"field misspelled", brokenCopy(t, manifest, "field.yaml", "parallelism:", "parallelizm:"),
			`unknown field "spec.parallelizm"`},
		{"nested field misspelled", brokenCopy(t, manifest, "nested.yaml", "mountPath:", "mountpath:"),
			`unknown field "spec.template.spec.containers[0].volumeMounts[0].mountpath"`},
		{"kind misspelled", brokenCopy(t, manifest, "kind.yaml", "kind: Job", "kind: Jbo"),
			`no kind "Jbo" is registered for version "batch/v1"`},
		{"wrong apiVersion", brokenCopy(t, manifest, "version.yaml", "apiVersion: batch/v1", "apiVersion: apps/v1"),
			`no kind "Job" is registered for version "apps/v1"`},
		{"bad YAML", brokenCopy(t, manifest, "yaml.yaml", "  completions: 4", " completions: [4"), "yaml: line"},
	})
}
