package provenance

// Reading a git repository by hand. The parts read are small and stable
// formats (HEAD, refs, packed-refs, the index, loose objects, pack index v1
// and v2, packs with deltas), documented in git's Documentation/gitformat-*.
// What this file does not know (a SHA-256 repository, reftable refs, a
// split index) yields "" or "+unknown" with an error that says so, never a
// wrong answer.

import (
	"bufio"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// GitCommit returns the commit of HEAD of the git work tree holding dir, as
// 40 hex digits, with "+dirty" appended when tracked files have uncommitted
// changes: a file of the index whose content, type or executable bit
// differs in the work tree, or that is gone from it (unstaged); an index
// that differs from HEAD's tree (staged); a merge conflict; a file added
// with git add -N; a submodule checked out at another commit than the
// index says.
//
// Untracked files do not make it dirty, as for git describe --dirty and git
// diff-index HEAD. They are not part of any commit, and a work tree nearly
// always has some (results, logs, build output not in .gitignore), so
// counting them would mark almost every sweep and mean nothing; telling
// them from ignored files would also need every .gitignore rule, and a walk
// of the whole tree rather than a stat of each tracked file. The sweep
// file's own text is stored with the sweep, so an untracked sweep file
// loses nothing.
//
// GitCommit returns "" when dir is not inside a git work tree or HEAD has no
// commit yet. The dirty check stops when ctx is done, and the commit is
// then marked "+unknown" instead: so is it when the check meets what it
// cannot read (a split index, a sparse index with staged changes, a
// missing object). The error, when not nil,
// says why the result is "" (a broken repository: a HEAD or ref that is not
// a commit hash, an unreadable .git) or ends in "+unknown".
//
// The repository is found from dir upward, by the .git directory or file
// in dir or the nearest directory above it; GIT_DIR and the like are not
// consulted. Content filters (Git LFS, core.autocrlf, ident) are not
// applied: a file whose stat data changed since the index was written and
// whose content differs from the index's only by such a filter reads as
// dirty. Changes inside a submodule's own work tree are not looked at,
// only the commit it is checked out at.
func GitCommit(ctx context.Context, dir string) (string, error) {
	r, err := findRepo(dir)
	if r == nil || err != nil {
		return "", err
	}
	cfg, err := readConfig(filepath.Join(r.commonDir, "config"))
	if err != nil {
		return "", err
	}
	if f := cfg["extensions.objectformat"]; f != "" && f != "sha1" {
		return "", fmt.Errorf("repository %s: object format %s is not supported", r.gitDir, f)
	}
	if s := cfg["extensions.refstorage"]; s != "" && s != "files" {
		return "", fmt.Errorf("repository %s: ref storage %s is not supported", r.gitDir, s)
	}
	head, ok, err := r.head()
	if !ok || err != nil {
		return "", err
	}
	dirty, err := r.dirty(ctx, head, cfg)
	switch {
	case err != nil:
		return head.String() + "+unknown", fmt.Errorf("dirty check of %s: %w", r.workTree, err)
	case dirty:
		return head.String() + "+dirty", nil
	}
	return head.String(), nil
}

// hash is a SHA-1 object name.
type hash [20]byte

func (h hash) String() string { return hex.EncodeToString(h[:]) }

// parseHash reads 40 hex digits.
func parseHash(s string) (h hash, ok bool) {
	if len(s) != 40 {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err == nil
}

// repo is a git repository found from a directory of its work tree.
type repo struct {
	workTree  string // the directory holding .git
	gitDir    string // .git, or where a .git file points (a worktree's or submodule's own directory): HEAD and the index
	commonDir string // where objects, shared refs and config live: gitDir, or what gitDir/commondir names
}

// findRepo returns the repository whose work tree holds dir, looking for
// .git in dir and each directory above it; nil, nil when there is none.
func findRepo(dir string) (*repo, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for {
		dotGit := filepath.Join(dir, ".git")
		fi, err := os.Stat(dotGit)
		switch {
		case err == nil && fi.IsDir():
			return newRepo(dir, dotGit)
		case err == nil:
			gitDir, err := readGitFile(dotGit)
			if err != nil {
				return nil, err
			}
			return newRepo(dir, gitDir)
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return nil, fmt.Errorf("look for a git repository: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil, nil
		}
		dir = parent
	}
}

// readGitFile reads a .git file ("gitdir: PATH", as a linked worktree or a
// submodule has), returning the path it names, relative to the file's
// directory.
func readGitFile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	gitDir, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "gitdir: ")
	if !ok || gitDir == "" {
		return "", fmt.Errorf("%s: not a gitdir: line", path)
	}
	if !filepath.IsAbs(gitDir) {
		gitDir = filepath.Join(filepath.Dir(path), gitDir)
	}
	return gitDir, nil
}

// newRepo checks that gitDir is a git directory and finds its common
// directory.
func newRepo(workTree, gitDir string) (*repo, error) {
	if _, err := os.Stat(filepath.Join(gitDir, "HEAD")); err != nil {
		return nil, fmt.Errorf("%s is not a git directory: %w", gitDir, err)
	}
	r := &repo{workTree: workTree, gitDir: gitDir, commonDir: gitDir}
	data, err := os.ReadFile(filepath.Join(gitDir, "commondir"))
	switch {
	case err == nil:
		common := strings.TrimSpace(string(data))
		if !filepath.IsAbs(common) {
			common = filepath.Join(gitDir, common)
		}
		r.commonDir = common
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read commondir: %w", err)
	}
	return r, nil
}

// head returns the commit HEAD names; ok is false when HEAD names a branch
// with no commit yet.
func (r *repo) head() (h hash, ok bool, err error) {
	return r.resolve("HEAD", 0)
}

// resolve returns the commit that ref names, following symbolic refs.
// ok is false when the ref does not exist.
func (r *repo) resolve(ref string, depth int) (h hash, ok bool, err error) {
	if depth > 5 {
		return h, false, fmt.Errorf("ref %s: symbolic refs nest too deep", ref)
	}
	if ref != "HEAD" && (!strings.HasPrefix(ref, "refs/") || strings.Contains(ref, "..") || strings.Contains(ref, `\`)) {
		return h, false, fmt.Errorf("ref %q is not a ref name", ref)
	}
	dir := r.commonDir
	if ref == "HEAD" || perWorktree(ref) {
		dir = r.gitDir
	}
	path := filepath.Join(dir, filepath.FromSlash(ref))
	data, err := os.ReadFile(path)
	if err == nil {
		text := strings.TrimSpace(string(data))
		if target, ok := strings.CutPrefix(text, "ref:"); ok {
			return r.resolve(strings.TrimSpace(target), depth+1)
		}
		if h, ok := parseHash(text); ok {
			return h, true, nil
		}
		return h, false, fmt.Errorf("ref %s: %q is not a commit hash", ref, text)
	}
	if ref == "HEAD" {
		return h, false, fmt.Errorf("read HEAD: %w", err)
	}
	// No loose ref (nothing there, or a directory of refs, or a file
	// where a directory of refs would be): the ref is packed or absent.
	fi, serr := os.Stat(path)
	if !(serr == nil && fi.IsDir() || errors.Is(serr, fs.ErrNotExist) || errors.Is(serr, syscall.ENOTDIR)) {
		return h, false, fmt.Errorf("read ref %s: %w", ref, err)
	}
	return r.packedRef(ref)
}

// perWorktree reports whether ref lives in a worktree's own directory
// rather than the common one.
func perWorktree(ref string) bool {
	for _, p := range []string{"refs/worktree/", "refs/bisect/", "refs/rewritten/"} {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	return false
}

// packedRef looks ref up in packed-refs ("HASH NAME" lines; "^HASH" lines
// give the commit an annotated tag points at, and "#" lines are comments).
func (r *repo) packedRef(ref string) (h hash, ok bool, err error) {
	f, err := os.Open(filepath.Join(r.commonDir, "packed-refs"))
	if errors.Is(err, fs.ErrNotExist) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("read packed-refs: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		id, name, found := strings.Cut(sc.Text(), " ")
		if !found || name != ref {
			continue
		}
		if h, ok := parseHash(id); ok {
			return h, true, nil
		}
		return h, false, fmt.Errorf("packed-refs: %s: %q is not a commit hash", ref, id)
	}
	if err := sc.Err(); err != nil {
		return h, false, fmt.Errorf("read packed-refs: %w", err)
	}
	return h, false, nil
}

// readConfig reads the keys of a git config file that the dirty check needs,
// as "section.key" in lower case, without subsections (whose keys are left
// out) or includes. A key without a value is "true". A missing file is an
// empty config.
func readConfig(path string) (map[string]string, error) {
	cfg := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "[") {
			name, rest, _ := strings.Cut(line[1:], "]")
			section = strings.ToLower(strings.TrimSpace(name))
			if strings.ContainsAny(section, " \t\".") {
				section = "" // a subsection: [remote "origin"], [branch.main]
			}
			line = strings.TrimSpace(rest) // a key may follow on the same line
		}
		if section == "" || line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		key, value, found := strings.Cut(line, "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if !found {
			value = "true"
		}
		cfg[section+"."+key] = configValue(value)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return cfg, nil
}

// configValue returns a config value without its comment, quotes and
// surrounding space, in lower case (the dirty check reads only booleans
// and names).
func configValue(v string) string {
	var b strings.Builder
	quoted := false
	for _, r := range v {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == '#' || r == ';'):
			return strings.ToLower(strings.TrimSpace(b.String()))
		default:
			b.WriteRune(r)
		}
	}
	return strings.ToLower(strings.TrimSpace(b.String()))
}

// configBool reads a git boolean, with def when the key is absent.
func configBool(cfg map[string]string, key string, def bool) bool {
	v, ok := cfg[key]
	if !ok {
		return def
	}
	switch v {
	case "true", "yes", "on", "1":
		return true
	case "false", "no", "off", "0", "":
		return false
	}
	return def
}
