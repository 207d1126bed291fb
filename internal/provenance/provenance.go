// Package provenance records what made a sweep's results: the sweep binary's
// version, the host, the git commit of the sweep file's repository and the
// command line, for the columns of the sweeps table.
//
// Collecting never fails a sweep: what cannot be known is left empty (or,
// for the dirty mark of a commit, written "+unknown"), and it is bounded in
// time, so that a huge repository costs a sweep at most DirtyBudget.
//
// The git commit is read from the repository's files without a git binary
// (a CI image or a cluster node often has none): HEAD, loose and packed
// refs, the index, and loose and packed objects. See GitCommit for what
// counts as dirty and why.
package provenance

import (
	"context"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"
)

// DirtyBudget bounds the time Collect spends on the git commit. The work
// is a stat of every tracked file (about 10 ms for 5,000 files, 100 ms for
// 50,000) plus hashing the files whose stat data changed since the index
// was written; past the budget the commit is recorded with "+unknown".
const DirtyBudget = 500 * time.Millisecond

// Provenance is what made a sweep's results.
type Provenance struct {
	SweepVersion string // the binary's module version and VCS revision (see Version)
	Host         string // os.Hostname(); "" if unknown
	GitCommit    string // HEAD of the sweep file's repository (see GitCommit); "" outside git
	Command      string // the command line, quoted for a POSIX shell (see CommandLine)
}

// Collect returns the provenance of a sweep of sweepFile run by the
// command line args (os.Args, the program name first). It never fails:
// each field it cannot learn is "".
//
// The repository is the one holding the sweep file's content: when
// sweepFile is a symbolic link it is followed, since the link's own
// repository does not version what the link points at (an edit to the
// target would leave that repository clean), while the target's repository
// does. Links among the directories of the path are resolved too, as git
// resolves its current directory; a path that cannot be resolved (the file
// is gone) is taken as it is, made absolute. A sweepFile of "" or "-" (a
// sweep read from standard input) is in no repository.
func Collect(sweepFile string, args []string) Provenance {
	info, _ := debug.ReadBuildInfo()
	host, _ := os.Hostname()
	p := Provenance{SweepVersion: Version(info), Host: host, Command: CommandLine(args)}
	if dir, ok := sweepDir(sweepFile); ok {
		ctx, cancel := context.WithTimeout(context.Background(), DirtyBudget)
		p.GitCommit, _ = GitCommit(ctx, dir)
		cancel()
	}
	return p
}

// sweepDir returns the absolute directory of the sweep file's content: the
// directory of the link target when sweepFile is a symbolic link, else the
// directory the path names. ok is false for standard input.
func sweepDir(sweepFile string) (dir string, ok bool) {
	if sweepFile == "" || sweepFile == "-" {
		return "", false
	}
	path := sweepFile
	if real, err := filepath.EvalSymlinks(sweepFile); err == nil {
		path = real
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", false
	}
	return filepath.Dir(abs), true
}
