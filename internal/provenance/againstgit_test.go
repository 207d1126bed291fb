package provenance

// When git is installed, TestAgainstGit asks it about every repository of
// gitCases: that git fsck finds the hand-written objects and packs sound,
// that HEAD is the commit GitCommit names, and that git status sees
// changes to tracked files exactly when GitCommit says "+dirty". It checks
// the test repositories as much as the code; without git it is skipped,
// and TestGitCommit still runs.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// gitEnv runs git without the user's or the system's configuration.
func gitEnv(t *testing.T, base string) []string {
	return append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "HOME="+t.TempDir(),
		"GIT_CEILING_DIRECTORIES="+filepath.Dir(base), "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
}

func runGit(t *testing.T, env []string, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestAgainstGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to check against")
	}
	for _, tc := range gitCases() {
		t.Run(tc.name, func(t *testing.T) {
			if tc.gitFails {
				t.Skip("git refuses this repository too")
			}
			if tc.linuxOnly && runtime.GOOS != "linux" {
				t.Skip("needs Linux stat data")
			}
			base := t.TempDir()
			dir, _ := tc.build(t, base)
			got, _ := GitCommit(context.Background(), dir)
			env := gitEnv(t, base)

			head, err := runGit(t, env, dir, "rev-parse", "--verify", "--quiet", "HEAD")
			if err != nil {
				head = "" // not a repository, or no commit yet
			}
			if gotHead, _, _ := strings.Cut(got, "+"); head != gotHead && !strings.HasSuffix(got, "+unknown") {
				t.Fatalf("GitCommit = %q, git rev-parse HEAD = %q", got, head)
			}
			if head == "" {
				return
			}
			if out, err := runGit(t, env, dir, "fsck", "--full", "--no-dangling", "--no-progress"); err != nil {
				t.Fatalf("git fsck: %v\n%s", err, out)
			}
			if strings.HasSuffix(got, "+unknown") {
				return
			}
			status, err := runGit(t, env, dir, "status", "--porcelain", "--untracked-files=no", "--ignore-submodules=none")
			if err != nil {
				t.Fatalf("git status: %v\n%s", err, status)
			}
			if dirty := strings.HasSuffix(got, "+dirty"); dirty != (status != "") {
				t.Errorf("GitCommit = %q, git status --porcelain --untracked-files=no:\n%s", got, status)
			}
		})
	}
}

// TestRealGitRepositories checks GitCommit against repositories that git
// itself writes: packs made by git gc with its own deltas, each index
// version and extension git writes (end of index, offset table, untracked
// cache, sparse directories, split index), worktrees, submodules,
// conflicts. Each is compared with git status, except where GitCommit
// says "+unknown" by design.
func TestRealGitRepositories(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git to check against")
	}
	// The cases use git init -b (2.28) and sparse-checkout --sparse-index
	// (2.32).
	out, err := exec.Command("git", "version").Output()
	var major, minor int
	if _, serr := fmt.Sscanf(string(out), "git version %d.%d", &major, &minor); err != nil || serr != nil || major < 2 || major == 2 && minor < 32 {
		t.Skipf("git %q is older than 2.32", strings.TrimSpace(string(out)))
	}
	for _, tc := range []struct {
		name    string
		steps   [][]string // git commands, or {"write", path, content}, {"delete", path}, {"chmod+x", path}
		dir     string     // where to ask, under the repository
		dirty   bool       // git status lists a change to a tracked file
		unknown bool       // GitCommit cannot tell, and says "+unknown"
	}{
		{name: "clean after gc"},
		{name: "clean, index v4", steps: [][]string{{"update-index", "--index-version", "4"}}},
		{name: "clean, index v3 and end-of-index and offset table extensions", steps: [][]string{
			{"config", "index.recordEndOfIndexEntries", "true"}, {"config", "index.recordOffsetTable", "true"},
			{"update-index", "--index-version", "3"}, {"update-index", "--really-refresh"}}},
		{name: "clean, untracked cache", steps: [][]string{
			{"config", "core.untrackedCache", "true"}, {"update-index", "--untracked-cache"}, {"write", "new.txt", "x"}, {"status"}}},
		{name: "clean, in a subdirectory", dir: "d03/e1"},
		{name: "modified", dirty: true, steps: [][]string{{"write", "d01/e1/f101.txt", "changed\n"}}},
		{name: "modified in the tick of the commit", dirty: true, steps: [][]string{
			{"write", "same.txt", "aaaa\n"}, {"add", "same.txt"}, {"commit", "-qm", "same"}, {"write", "same.txt", "bbbb\n"}}},
		{name: "executable bit", dirty: true, steps: [][]string{{"chmod+x", "d01/e1/f101.txt"}}},
		{name: "deleted", dirty: true, steps: [][]string{{"delete", "d02/e0/f302.txt"}}},
		{name: "untracked only", steps: [][]string{{"write", "untracked.txt", "u\n"}, {"write", "newdir/u.txt", "u\n"}}},
		{name: "staged", dirty: true, steps: [][]string{{"write", "d01/e1/f101.txt", "changed\n"}, {"add", "d01/e1/f101.txt"}}},
		{name: "staged, then gc", dirty: true, steps: [][]string{{"write", "d01/e1/f101.txt", "changed\n"}, {"add", "d01/e1/f101.txt"}, {"gc", "--quiet"}}},
		{name: "staged and reverted in the work tree", steps: [][]string{
			{"write", "d01/e1/f101.txt", "changed\n"}, {"add", "d01/e1/f101.txt"}, {"checkout", "HEAD", "--", "d01/e1/f101.txt"}, {"reset", "-q"}}},
		{name: "renamed", dirty: true, steps: [][]string{{"mv", "d01/e1/f101.txt", "d01/e1/moved.txt"}}},
		{name: "removed from the index only", dirty: true, steps: [][]string{{"rm", "-q", "--cached", "d01/e1/f101.txt"}}},
		{name: "intent to add", dirty: true, steps: [][]string{{"write", "new.txt", ""}, {"add", "-N", "new.txt"}}},
		{name: "conflict", dirty: true, steps: [][]string{
			{"checkout", "-qb", "other"}, {"write", "d00/e0/f0.txt", "other\n"}, {"commit", "-qam", "other"},
			{"checkout", "-q", "main"}, {"write", "d00/e0/f0.txt", "main\n"}, {"commit", "-qam", "main"},
			{"merge", "-q", "other"}}},
		{name: "detached", steps: [][]string{{"checkout", "-q", "--detach", "HEAD~1"}}},
		{name: "packed refs", steps: [][]string{{"pack-refs", "--all"}}},
		{name: "sparse checkout", steps: [][]string{{"sparse-checkout", "set", "--no-cone", "/d01/"}}},
		{name: "sparse index", steps: [][]string{{"sparse-checkout", "set", "--cone", "--sparse-index", "d01"}}},
		{name: "sparse index, staged", unknown: true, steps: [][]string{
			{"sparse-checkout", "set", "--cone", "--sparse-index", "d01"}, {"write", "d01/e1/f101.txt", "changed\n"}, {"add", "d01/e1/f101.txt"}}},
		{name: "split index", unknown: true, steps: [][]string{{"update-index", "--split-index"}}},
		{name: "worktree", dir: "../wt", steps: [][]string{{"worktree", "add", "-q", "-b", "wt", "../wt"}}},
		{name: "worktree, modified", dirty: true, dir: "../wt", steps: [][]string{
			{"worktree", "add", "-q", "-b", "wt", "../wt"}, {"write", "../wt/d00/e0/f0.txt", "changed\n"}}},
		{name: "submodule", steps: [][]string{
			{"-c", "protocol.file.allow=always", "submodule", "add", "-q", "../sub", "sub"}, {"commit", "-qm", "sub"}}},
		{name: "submodule at a new commit", dirty: true, steps: [][]string{
			{"-c", "protocol.file.allow=always", "submodule", "add", "-q", "../sub", "sub"}, {"commit", "-qm", "sub"},
			{"-C", "sub", "commit", "-q", "--allow-empty", "-m", "new"}}},
		{name: "inside a submodule", dir: "sub", steps: [][]string{
			{"-c", "protocol.file.allow=always", "submodule", "add", "-q", "../sub", "sub"}, {"commit", "-qm", "sub"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			env := append(gitEnv(t, base), "GIT_AUTHOR_NAME=A", "GIT_AUTHOR_EMAIL=a@example.com",
				"GIT_COMMITTER_NAME=A", "GIT_COMMITTER_EMAIL=a@example.com")
			work := filepath.Join(base, "repo")
			git := func(dir string, args ...string) {
				t.Helper()
				if out, err := runGit(t, env, dir, args...); err != nil {
					t.Fatalf("git %v: %v\n%s", args, err, out)
				}
			}
			write := func(name, content string) {
				t.Helper()
				name = filepath.Join(work, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// A submodule to add, then the repository: 400 files in 20
			// directories, two commits, packed by gc.
			sub := filepath.Join(base, "sub")
			if err := os.MkdirAll(sub, 0o755); err != nil {
				t.Fatal(err)
			}
			git(sub, "init", "-q", "-b", "main")
			git(sub, "commit", "-q", "--allow-empty", "-m", "sub")
			if err := os.MkdirAll(work, 0o755); err != nil {
				t.Fatal(err)
			}
			git(work, "init", "-q", "-b", "main")
			for i := range 400 {
				write(fmt.Sprintf("d%02d/e%d/f%d.txt", i%10, i%2, i), strings.Repeat(fmt.Sprintf("line of file %d\n", i), 20))
			}
			git(work, "add", ".")
			git(work, "commit", "-qm", "first")
			for i := 0; i < 400; i += 7 {
				write(fmt.Sprintf("d%02d/e%d/f%d.txt", i%10, i%2, i), strings.Repeat(fmt.Sprintf("line of file %d\n", i), 21))
			}
			git(work, "commit", "-qam", "second")
			git(work, "gc", "--quiet")
			for _, step := range tc.steps {
				switch step[0] {
				case "write":
					write(step[1], step[2])
				case "delete":
					if err := os.Remove(filepath.Join(work, step[1])); err != nil {
						t.Fatal(err)
					}
				case "chmod+x":
					if err := os.Chmod(filepath.Join(work, step[1]), 0o755); err != nil {
						t.Fatal(err)
					}
				default:
					out, err := runGit(t, env, work, step...)
					if err != nil && step[0] != "merge" { // a conflict fails the merge
						t.Fatalf("git %v: %v\n%s", step, err, out)
					}
				}
			}
			dir := filepath.Join(work, filepath.FromSlash(tc.dir))
			got, err := GitCommit(context.Background(), dir)
			head, _ := runGit(t, env, dir, "rev-parse", "HEAD")
			if tc.unknown {
				if want := head + "+unknown"; got != want || err == nil {
					t.Errorf("GitCommit = %q, %v; want %q and why", got, err, want)
				}
				return
			}
			status, serr := runGit(t, env, dir, "status", "--porcelain", "--untracked-files=no", "--ignore-submodules=none")
			if serr != nil {
				t.Fatalf("git status: %v\n%s", serr, status)
			}
			if got, want := status != "", tc.dirty; got != want {
				t.Fatalf("git status lists changes: %v, want %v (the case does not test what it says):\n%s", got, want, status)
			}
			want := head
			if tc.dirty {
				want += "+dirty"
			}
			if got != want || err != nil {
				t.Errorf("GitCommit = %q, %v; want %q (git status:\n%s)", got, err, want, status)
			}
		})
	}
}
