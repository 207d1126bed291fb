package provenance

// The dirty check, as git status does it for tracked files: the index
// against the work tree (stat data first, the content hashed as a blob only
// when the stat data differs or cannot be trusted), and the index against
// HEAD's tree (through the cache tree when it is valid, so that a clean
// repository costs one object read however large it is).

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
)

// File modes as git records them.
const (
	modeTree    = 0o40000
	modeFile    = 0o100644
	modeExec    = 0o100755
	modeSymlink = 0o120000
	modeGitlink = 0o160000
	modeType    = 0o170000
)

// errUnsupported marks what the dirty check cannot read.
var errUnsupported = errors.New("not supported")

// checker holds what the dirty check of one repository needs.
type checker struct {
	r        *repo
	objects  *objects
	filemode bool // core.filemode: the executable bit counts
	symlinks bool // core.symlinks: a symbolic link is checked out as one
	ctime    bool // core.trustctime: a changed ctime means a changed file
	minimal  bool // core.checkstat=minimal: only mtime seconds and size count
	// indexTime is the index file's modification time: a file modified
	// in the same tick as the index was written may have changed after
	// its stat data was taken ("racily clean"), so it is hashed.
	indexTimeSec, indexTimeNsec uint32
}

// dirty reports whether the tracked files of r's work tree or its index
// differ from the commit head.
func (r *repo) dirty(ctx context.Context, head hash, cfg map[string]string) (bool, error) {
	c := &checker{
		r:        r,
		objects:  newObjects(filepath.Join(r.commonDir, "objects")),
		filemode: configBool(cfg, "core.filemode", true),
		symlinks: configBool(cfg, "core.symlinks", true),
		ctime:    configBool(cfg, "core.trustctime", true),
		minimal:  cfg["core.checkstat"] == "minimal",
	}
	defer c.objects.close()

	commit, err := c.objects.readType(ctx, head, objCommit)
	if err != nil {
		return false, fmt.Errorf("read HEAD commit: %w", err)
	}
	tree, err := commitTree(commit)
	if err != nil {
		return false, fmt.Errorf("read HEAD commit %s: %w", head, err)
	}

	idx := &index{}
	indexPath := filepath.Join(r.gitDir, "index")
	data, err := os.ReadFile(indexPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// No index: every file of HEAD is staged for removal, unless
		// HEAD is empty.
	case err != nil:
		return false, fmt.Errorf("read index: %w", err)
	default:
		if idx, err = parseIndex(data); err != nil {
			return false, fmt.Errorf("read index: %w", err)
		}
		if fi, err := os.Stat(indexPath); err == nil {
			c.indexTimeSec, c.indexTimeNsec = timeParts(fi.ModTime().Unix(), fi.ModTime().Nanosecond())
		}
	}
	if idx.split {
		return false, fmt.Errorf("split index: %w", errUnsupported)
	}
	for _, e := range idx.entries {
		if e.stage != 0 || e.intentToAdd {
			return true, nil // a merge conflict, or a file to be added
		}
	}

	staged := !(idx.cacheTreeValid && idx.cacheTreeCount == len(idx.entries) && idx.cacheTree == tree)
	if dirty, err := c.worktreeChanged(ctx, idx); dirty || err != nil {
		return dirty, err
	}
	if !staged {
		return false, nil
	}
	return c.indexChanged(ctx, idx, tree)
}

// worktreeChanged reports whether a file of the index differs in the work
// tree. The files are checked by a few goroutines, as git's preload-index
// does: the check is mostly a stat of each file, and the stats are what a
// large work tree costs (50,000 files: about 120 ms on one CPU, 80 ms on
// two).
func (c *checker) worktreeChanged(ctx context.Context, idx *index) (bool, error) {
	const chunk = 256 // entries a goroutine takes at a time
	entries := idx.entries
	workers := min(runtime.GOMAXPROCS(0), 8, (len(entries)+chunk-1)/chunk)
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		mu       sync.Mutex
		dirty    bool
		firstErr error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			dirs := map[string]bool{} // directories checked: true when behind a symbolic link
			for {
				end := int(next.Add(chunk))
				start := end - chunk
				if start >= len(entries) || stop.Err() != nil {
					return
				}
				for i := start; i < min(end, len(entries)); i++ {
					e := &entries[i]
					if e.assumeValid || e.skipWorktree || e.mode == modeTree {
						continue
					}
					changed, err := c.fileChanged(stop, e, dirs)
					if changed || err != nil {
						mu.Lock()
						dirty = dirty || changed
						if err != nil && firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						cancel()
						return
					}
				}
			}
		})
	}
	wg.Wait()
	switch {
	case dirty: // whatever else failed, one change is enough
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	}
	return false, firstErr
}

// fileChanged reports whether the work tree's file differs from the index
// entry e. dirs caches which directories are reached through a symbolic
// link.
func (c *checker) fileChanged(ctx context.Context, e *indexEntry, dirs map[string]bool) (bool, error) {
	name := filepath.Join(c.r.workTree, filepath.FromSlash(e.path))
	if c.symlinks && c.behindSymlink(path.Dir(e.path), dirs) {
		return true, nil // as for git: the file is gone, a link to elsewhere is in the way
	}
	if e.mode == modeGitlink {
		return submoduleChanged(name, e.id)
	}
	fi, err := os.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return true, nil // deleted
	}
	if err != nil {
		return false, err
	}
	var mode uint32
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		mode = modeSymlink
	case fi.Mode().IsRegular() && e.mode == modeSymlink && !c.symlinks:
		mode = modeSymlink // a link checked out as a file holding its target
	case fi.Mode().IsRegular() && fi.Mode()&0o100 != 0:
		mode = modeExec
	case fi.Mode().IsRegular():
		mode = modeFile
	default:
		return true, nil // a directory or a device where the index has a file
	}
	want := canonicalMode(e.mode)
	if mode&modeType != want&modeType || (c.filemode && mode != want) {
		return true, nil
	}
	st := statOf(fi)
	if e.size != 0 && e.size != st.size {
		return true, nil // git too trusts a size change without hashing
	}
	if c.statMatches(e, st) && !c.racy(e) {
		return false, nil
	}
	id, err := blobHash(ctx, name, fi)
	if err != nil {
		return false, err
	}
	return id != e.id, nil
}

// behindSymlink reports whether dir, a directory of the index (slash
// separated, relative to the work tree), or one above it is a symbolic
// link in the work tree.
func (c *checker) behindSymlink(dir string, dirs map[string]bool) bool {
	if dir == "." || dir == "/" {
		return false
	}
	link, ok := dirs[dir]
	if !ok {
		link = c.behindSymlink(path.Dir(dir), dirs)
		if !link {
			fi, err := os.Lstat(filepath.Join(c.r.workTree, filepath.FromSlash(dir)))
			link = err == nil && fi.Mode()&fs.ModeSymlink != 0
		}
		dirs[dir] = link
	}
	return link
}

// statMatches reports whether the file's stat data is the index entry's.
func (c *checker) statMatches(e *indexEntry, st stat) bool {
	if e.mtimeSec != st.mtimeSec || e.size != st.size {
		return false
	}
	if c.minimal {
		return true
	}
	if e.mtimeNsec != st.mtimeNsec {
		return false
	}
	if st.full && (e.ino != st.ino || c.ctime && (e.ctimeSec != st.ctimeSec || e.ctimeNsec != st.ctimeNsec)) {
		return false
	}
	return true
}

// racy reports whether e's file was modified no earlier than the index was
// written, so that a change in the same tick would not show in its stat
// data.
func (c *checker) racy(e *indexEntry) bool {
	if c.indexTimeSec == 0 {
		return true
	}
	return c.indexTimeSec < e.mtimeSec || c.indexTimeSec == e.mtimeSec && c.indexTimeNsec <= e.mtimeNsec
}

// stat is the part of a file's stat data that the index records, each
// truncated to 32 bits as the index stores it.
type stat struct {
	mtimeSec, mtimeNsec uint32
	ctimeSec, ctimeNsec uint32
	ino                 uint32
	size                uint32
	full                bool // ctime and ino are known (see stat_*.go)
}

func timeParts(sec int64, nsec int) (uint32, uint32) { return uint32(sec), uint32(nsec) }

// canonicalMode returns the mode git compares: a regular file is 0o100755
// if any executable bit is set, else 0o100644.
func canonicalMode(m uint32) uint32 {
	if m&modeType == 0o100000 {
		if m&0o100 != 0 {
			return modeExec
		}
		return modeFile
	}
	return m
}

// blobHash returns the name git gives the file's content as a blob: the
// SHA-1 of "blob SIZE\0" and the content. A symbolic link's content is
// its target.
func blobHash(ctx context.Context, name string, fi fs.FileInfo) (hash, error) {
	var id hash
	h := sha1.New()
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(name)
		if err != nil {
			return id, err
		}
		fmt.Fprintf(h, "blob %d\x00%s", len(target), target)
		h.Sum(id[:0])
		return id, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return id, err
	}
	defer f.Close()
	size := fi.Size()
	fmt.Fprintf(h, "blob %d\x00", size)
	buf := make([]byte, 64<<10)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return id, err
		}
		k, err := f.Read(buf)
		n += int64(k)
		h.Write(buf[:k])
		if err == io.EOF {
			break
		}
		if err != nil {
			return id, err
		}
	}
	if n != size {
		return hash{}, nil // the file changed while being read: no entry has the zero hash
	}
	h.Sum(id[:0])
	return id, nil
}

// submoduleChanged reports whether the submodule checked out at dir is at
// another commit than id. A submodule that is not checked out is
// unchanged, as for git; changes inside a submodule's own work tree are
// not looked at.
func submoduleChanged(dir string, id hash) (bool, error) {
	fi, err := os.Stat(filepath.Join(dir, ".git"))
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	gitDir := filepath.Join(dir, ".git")
	if !fi.IsDir() {
		if gitDir, err = readGitFile(gitDir); err != nil {
			return false, err
		}
	}
	sub, err := newRepo(dir, gitDir)
	if err != nil {
		return false, err
	}
	head, ok, err := sub.head()
	if err != nil {
		return false, fmt.Errorf("submodule %s: %w", dir, err)
	}
	return !ok || head != id, nil
}

// indexChanged reports whether the index's entries differ from the tree,
// reading the whole tree.
func (c *checker) indexChanged(ctx context.Context, idx *index, tree hash) (bool, error) {
	if idx.sparse {
		return false, fmt.Errorf("sparse index without a valid cache tree: %w", errUnsupported)
	}
	files := map[string]treeEntry{}
	if err := c.walkTree(ctx, tree, "", files, 0); err != nil {
		return false, err
	}
	if len(files) != len(idx.entries) {
		return true, nil
	}
	for _, e := range idx.entries {
		f, ok := files[e.path]
		if !ok || f.id != e.id || canonicalMode(f.mode) != canonicalMode(e.mode) {
			return true, nil
		}
	}
	return false, nil
}

// walkTree adds the files of tree id under prefix to files.
func (c *checker) walkTree(ctx context.Context, id hash, prefix string, files map[string]treeEntry, depth int) error {
	if depth > 4096 {
		return errors.New("trees nest too deep")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := c.objects.readType(ctx, id, objTree)
	if err != nil {
		return fmt.Errorf("read tree %s: %w", id, err)
	}
	entries, err := parseTree(data)
	if err != nil {
		return fmt.Errorf("read tree %s: %w", id, err)
	}
	for _, e := range entries {
		p := path.Join(prefix, e.name)
		if e.mode == modeTree {
			if err := c.walkTree(ctx, e.id, p, files, depth+1); err != nil {
				return err
			}
			continue
		}
		files[p] = e
	}
	return nil
}
