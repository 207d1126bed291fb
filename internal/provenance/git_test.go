package provenance

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// gitCase is a repository built by hand and what GitCommit says of it.
type gitCase struct {
	name string
	// build makes the repository under base and returns the directory to
	// ask about and the answer wanted.
	build     func(t *testing.T, base string) (dir, want string)
	wantErr   bool // GitCommit returns an error (with "" or "+unknown")
	linuxOnly bool // needs the ctime and inode that only Linux's stat gives here
	gitFails  bool // git itself refuses the repository (so TestAgainstGit skips it)
}

// committed returns a repository with one commit of a few files, two
// directories deep, one of them executable; the options are applied
// before the commit.
func committed(t *testing.T, base string, opts ...func(*fakeRepo)) (*fakeRepo, string) {
	r := newFakeRepo(t, base)
	for _, o := range opts {
		o(r)
	}
	r.files(map[string]string{
		"README.md":        "# alpha\n",
		"sweep.yaml":       "name: alpha\nalpha: [0.1, 0.2]\n",
		"src/main.go":      "package main\n\nfunc main() {}\n",
		"src/deep/x.txt":   "x\n",
		"src/deep/y.txt":   "y\n",
		"src.txt":          "a file named as a directory begins\n",
		"results/.keep":    "",
		"scripts/run.sh":   "#!/bin/sh\nsweep run sweep.yaml\n",
		"scripts/a b.yaml": "name: spaced\n",
	})
	if err := os.Chmod(filepath.Join(base, "scripts", "run.sh"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.add("scripts/run.sh")
	return r, r.commit("first").String()
}

// twoCommits returns a repository with two commits, the second changing a
// file and adding one, so that packs have deltas of trees and commits.
func twoCommits(t *testing.T, base string, opts ...func(*fakeRepo)) (*fakeRepo, string) {
	r, _ := committed(t, base, opts...)
	r.files(map[string]string{"sweep.yaml": "name: alpha\nalpha: [0.1, 0.2, 0.4]\n", "src/deep/z.txt": "z\n"})
	return r, r.commit("second").String()
}

func noTree(r *fakeRepo) { r.noTree = true }

func version(v int) func(*fakeRepo) { return func(r *fakeRepo) { r.version = v } }

func gitCases() []gitCase {
	return []gitCase{
		{name: "not a repository", build: func(t *testing.T, base string) (string, string) {
			return base, ""
		}},
		{name: "no commit yet", build: func(t *testing.T, base string) (string, string) {
			newFakeRepo(t, base)
			return base, ""
		}},
		{name: "no commit yet, files staged", build: func(t *testing.T, base string) (string, string) {
			r := newFakeRepo(t, base)
			r.files(map[string]string{"a.txt": "a\n", "d/b.txt": "b\n"})
			return base, ""
		}},
		{name: "clean", build: func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			return base, head
		}},
		{name: "clean, index v3 with a skip-worktree file", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base, version(3))
			r.entries["README.md"].skipWorktree = true
			r.writeIndex()
			r.remove("README.md")
			return base, head
		}},
		{name: "clean, index v4", build: func(t *testing.T, base string) (string, string) {
			_, head := twoCommits(t, base, version(4))
			return base, head
		}},
		{name: "clean, no cache tree", build: func(t *testing.T, base string) (string, string) {
			_, head := twoCommits(t, base, noTree)
			return base, head
		}},
		{name: "clean, packed with deltas", build: func(t *testing.T, base string) (string, string) {
			r, head := twoCommits(t, base, noTree)
			r.repack(packOptions{deltas: true})
			return base, head
		}},
		{name: "clean, pack index v1", build: func(t *testing.T, base string) (string, string) {
			r, head := twoCommits(t, base, noTree)
			r.repack(packOptions{deltas: true, idxV1: true})
			return base, head
		}},
		{name: "clean, pack index with 8-byte offsets", build: func(t *testing.T, base string) (string, string) {
			r, head := twoCommits(t, base, noTree)
			r.repack(packOptions{deltas: true, largeOffsets: true})
			return base, head
		}},
		{name: "clean, two packs and loose objects", build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base, noTree)
			r.repack(packOptions{deltas: true})
			r.files(map[string]string{"sweep.yaml": "name: beta\n"})
			r.commit("second")
			r.repack(packOptions{deltas: true})
			r.files(map[string]string{"sweep.yaml": "name: gamma\n"})
			return base, r.commit("third, loose").String()
		}},
		{name: "clean, objects in an alternate", build: func(t *testing.T, base string) (string, string) {
			r, head := twoCommits(t, filepath.Join(base, "repo"), noTree)
			r.repack(packOptions{deltas: true})
			shared := filepath.Join(base, "shared", "objects")
			if err := os.MkdirAll(filepath.Dir(shared), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(filepath.Join(r.common, "objects"), shared); err != nil {
				t.Fatal(err)
			}
			r.writeAt(filepath.Join(r.common, "objects", "info", "alternates"), "../../../shared/objects\n")
			return r.work, head
		}},
		{name: "clean, file touched", build: func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(base, "sweep.yaml"), later, later); err != nil {
				t.Fatal(err)
			}
			return base, head
		}},
		{name: "clean, file rewritten with the same content", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.remove("src/main.go")
			r.write("src/main.go", "package main\n\nfunc main() {}\n")
			return base, head
		}},
		{name: "modified file", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.write("sweep.yaml", "name: alpha\nalpha: [0.1]\n")
			return base, head + "+dirty"
		}},
		{name: "modified file, same size and mtime", linuxOnly: true, build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			name := filepath.Join(base, "sweep.yaml")
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			r.write("sweep.yaml", "name: omega\nalpha: [0.1, 0.2]\n")
			if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			return base, head + "+dirty"
		}},
		{name: "modified in the tick the index was written", build: func(t *testing.T, base string) (string, string) {
			// The index took the file's stat data, then the file changed
			// within the same tick of the clock: only the index's own
			// mtime, no earlier than the file's, says to look inside.
			r, head := committed(t, base)
			r.write("sweep.yaml", "name: omega\nalpha: [0.1, 0.2]\n")
			name := filepath.Join(base, "sweep.yaml")
			fi, err := os.Lstat(name)
			if err != nil {
				t.Fatal(err)
			}
			st, e := statOf(fi), r.entries["sweep.yaml"]
			e.mtimeSec, e.mtimeNsec, e.ctimeSec, e.ctimeNsec, e.ino, e.size = st.mtimeSec, st.mtimeNsec, st.ctimeSec, st.ctimeNsec, st.ino, st.size
			r.writeIndex()
			if err := os.Chtimes(filepath.Join(r.gitDir, "index"), fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			return base, head + "+dirty"
		}},
		{name: "executable bit set", build: func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			if err := os.Chmod(filepath.Join(base, "README.md"), 0o755); err != nil {
				t.Fatal(err)
			}
			return base, head + "+dirty"
		}},
		{name: "executable bit set, core.filemode false", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.writeAt(filepath.Join(r.gitDir, "config"), "[core]\n\trepositoryformatversion = 0\n\tfileMode = false ; as on Windows\n[remote \"origin\"]\n\tfilemode = true\n")
			if err := os.Chmod(filepath.Join(base, "README.md"), 0o755); err != nil {
				t.Fatal(err)
			}
			return base, head
		}},
		{name: "staged change", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.files(map[string]string{"src/deep/x.txt": "x2\n"})
			return base, head + "+dirty"
		}},
		{name: "staged change, no cache tree", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base, noTree)
			r.repack(packOptions{deltas: true})
			r.files(map[string]string{"src/deep/x.txt": "x2\n"})
			return base, head + "+dirty"
		}},
		{name: "staged executable bit", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base, noTree)
			if err := os.Chmod(filepath.Join(base, "README.md"), 0o755); err != nil {
				t.Fatal(err)
			}
			r.add("README.md")
			return base, head + "+dirty"
		}},
		{name: "staged new file", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base, noTree)
			r.files(map[string]string{"new.txt": "new\n"})
			return base, head + "+dirty"
		}},
		{name: "staged removal, file kept untracked", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base, noTree)
			delete(r.entries, "src/main.go")
			r.cache = nil
			r.writeIndex()
			return base, head + "+dirty"
		}},
		{name: "deleted file", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.remove("src/deep/y.txt")
			return base, head + "+dirty"
		}},
		{name: "deleted directory", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.remove("src")
			return base, head + "+dirty"
		}},
		{name: "file replaced by a directory", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.remove("README.md")
			r.write("README.md/inside", "now a directory\n")
			return base, head + "+dirty"
		}},
		{name: "directory replaced by a symbolic link to a copy", build: func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			if err := os.Rename(filepath.Join(base, "src", "deep"), filepath.Join(base, "deep-copy")); err != nil {
				t.Fatal(err)
			}
			symlink(t, filepath.Join("..", "deep-copy"), filepath.Join(base, "src", "deep"))
			return base, head + "+dirty"
		}},
		{name: "untracked files only", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.write("notes.txt", "untracked\n")
			r.write("results/sweep.db", "not a database\n")
			r.write("new/dir/file", "untracked\n")
			return base, head
		}},
		{name: "detached HEAD", build: func(t *testing.T, base string) (string, string) {
			r, head := twoCommits(t, base)
			r.writeAt(filepath.Join(r.gitDir, "HEAD"), head+"\n")
			return base, head
		}},
		{name: "detached HEAD at an older commit", build: func(t *testing.T, base string) (string, string) {
			r, first := committed(t, base)
			r.files(map[string]string{"sweep.yaml": "name: beta\n"})
			r.commit("second")
			r.writeAt(filepath.Join(r.gitDir, "HEAD"), first+"\n")
			return base, first + "+dirty" // the index and files are the second commit's
		}},
		{name: "packed-refs only", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			tag := r.object("tag", []byte("object "+head+"\ntype commit\ntag v1\ntagger A U Thor <author@example.com> 1764496800 +0000\n\nv1\n"))
			r.remove(".git/refs/heads/main")
			r.writeAt(filepath.Join(r.common, "packed-refs"), "# pack-refs with: peeled fully-peeled sorted \n"+
				head+" refs/heads/main\n"+
				tag.String()+" refs/tags/v1\n^"+head+"\n")
			return base, head
		}},
		{name: "loose ref over packed", build: func(t *testing.T, base string) (string, string) {
			r, head := twoCommits(t, base)
			r.writeAt(filepath.Join(r.common, "packed-refs"), strings.Repeat("0", 40)+" refs/heads/main\n")
			return base, head
		}},
		{name: "branch in a directory", build: func(t *testing.T, base string) (string, string) {
			r := newFakeRepo(t, base)
			r.writeAt(filepath.Join(r.gitDir, "HEAD"), "ref: refs/heads/feature/x\n")
			r.files(map[string]string{"a.txt": "a\n"})
			return base, r.commit("on feature/x").String()
		}},
		{name: "HEAD on a symbolic ref", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.writeAt(filepath.Join(r.gitDir, "HEAD"), "ref: refs/heads/alias\n")
			r.writeAt(filepath.Join(r.common, "refs", "heads", "alias"), "ref: refs/heads/main\n")
			return base, head
		}},
		{name: "worktree", build: func(t *testing.T, base string) (string, string) {
			wt, head := worktree(t, base)
			return filepath.Join(wt.work, "src"), head
		}},
		{name: "worktree, modified", build: func(t *testing.T, base string) (string, string) {
			wt, head := worktree(t, base)
			wt.write("src/main.go", "package main\n")
			return wt.work, head + "+dirty"
		}},
		{name: "submodule-style .git file", build: func(t *testing.T, base string) (string, string) {
			r := newFakeRepoAt(t, filepath.Join(base, "sub"), filepath.Join(base, ".git", "modules", "sub"), "../.git/modules/sub")
			r.files(map[string]string{"a.txt": "a\n"})
			return r.work, r.commit("in a submodule").String()
		}},
		{name: "sweep file in a subdirectory", build: func(t *testing.T, base string) (string, string) {
			_, head := committed(t, base)
			return filepath.Join(base, "src", "deep"), head
		}},
		{name: "merge conflict", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			e := *r.entries["sweep.yaml"]
			delete(r.entries, "sweep.yaml")
			for stage := 1; stage <= 3; stage++ {
				e.stage = stage
				r.setEntry(e)
			}
			return base, head + "+dirty"
		}},
		{name: "intent to add, empty file", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base, version(3))
			r.write("new.txt", "")
			r.setEntry(indexEntry{path: "new.txt", mode: modeFile, id: r.object("blob", nil), intentToAdd: true})
			return base, head + "+dirty"
		}},
		{name: "assume-unchanged file modified", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.entries["README.md"].assumeValid = true
			r.writeIndex()
			r.write("README.md", "changed, but git is told not to look\n")
			return base, head
		}},
		{name: "symbolic link", build: func(t *testing.T, base string) (string, string) {
			r := symlinked(t, base)
			return base, r.commit("link").String()
		}},
		{name: "symbolic link retargeted", build: func(t *testing.T, base string) (string, string) {
			r := symlinked(t, base)
			head := r.commit("link").String()
			r.remove("current.yaml")
			if err := os.Symlink("b.yaml", filepath.Join(base, "current.yaml")); err != nil {
				t.Fatal(err)
			}
			return base, head + "+dirty"
		}},
		{name: "symbolic link replaced by its target's content", build: func(t *testing.T, base string) (string, string) {
			r := symlinked(t, base)
			head := r.commit("link").String()
			r.remove("current.yaml")
			r.write("current.yaml", "a.yaml")
			return base, head + "+dirty"
		}},
		{name: "submodule not checked out", build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, filepath.Join(base, "super"))
			r.setEntry(indexEntry{path: "lib", mode: modeGitlink, id: subCommits(t, filepath.Join(base, "lib"))[0]})
			r.mkdir(filepath.Join(r.work, "lib"))
			return r.work, r.commit("add lib").String()
		}},
		{name: "submodule at the recorded commit", build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			ids := subCommits(t, filepath.Join(base, "lib"))
			r.setEntry(indexEntry{path: "lib", mode: modeGitlink, id: ids[1]})
			return base, r.commit("add lib").String()
		}},
		{name: "submodule at another commit", build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			ids := subCommits(t, filepath.Join(base, "lib"))
			r.setEntry(indexEntry{path: "lib", mode: modeGitlink, id: ids[0]})
			return base, r.commit("add lib").String() + "+dirty"
		}},
		{name: "no index", build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.remove(".git/index")
			return base, head + "+dirty"
		}},
		{name: "empty commit, no index", build: func(t *testing.T, base string) (string, string) {
			r := newFakeRepo(t, base)
			head := r.commit("empty")
			r.remove(".git/index")
			return base, head.String()
		}},

		// A broken repository: no commit can be named.
		{name: "HEAD is not a ref", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			r.writeAt(filepath.Join(r.gitDir, "HEAD"), "refs/heads/main\n")
			return base, ""
		}},
		{name: "ref is not a hash", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			r.writeAt(filepath.Join(r.common, "refs", "heads", "main"), "1a2b3c\n")
			return base, ""
		}},
		{name: "HEAD names a ref outside refs/", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			r.writeAt(filepath.Join(r.gitDir, "HEAD"), "ref: ../../etc/passwd\n")
			return base, ""
		}},
		{name: ".git directory without HEAD", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			r.remove(".git/HEAD")
			return base, ""
		}},
		{name: ".git file without gitdir:", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			newFakeRepo(t, base).writeAt(filepath.Join(base, "sub", ".git"), "not a gitdir line\n")
			return filepath.Join(base, "sub"), ""
		}},
		{name: ".git file pointing nowhere", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			newFakeRepo(t, base).writeAt(filepath.Join(base, "sub", ".git"), "gitdir: ../missing\n")
			return filepath.Join(base, "sub"), ""
		}},
		{name: "SHA-256 repository", wantErr: true, build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			r.writeAt(filepath.Join(r.gitDir, "config"), "[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectFormat = sha256\n")
			return base, ""
		}},
		{name: "reftable refs", wantErr: true, build: func(t *testing.T, base string) (string, string) {
			r, _ := committed(t, base)
			r.writeAt(filepath.Join(r.gitDir, "config"), "[core]\n\trepositoryformatversion = 1\n[extensions]\n\trefStorage = reftable\n")
			return base, ""
		}},

		// The commit is known, but not whether the tree is dirty.
		{name: "commit object missing", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.remove(".git/objects/" + head[:2] + "/" + head[2:])
			return base, head + "+unknown"
		}},
		{name: "tree object missing, no cache tree", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base, noTree)
			tree := r.cacheTreeRoot(t)
			r.remove(".git/objects/" + tree[:2] + "/" + tree[2:])
			r.files(map[string]string{"README.md": "# staged\n"}) // and the index no longer matches it
			return base, head + "+unknown"
		}},
		{name: "corrupt index", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.writeAt(filepath.Join(r.gitDir, "index"), "DIRC\x00\x00\x00\x02\x00\x00\x00\x09"+strings.Repeat("\x00", 100))
			return base, head + "+unknown"
		}},
		{name: "corrupt pack", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			r.repack(packOptions{})
			packs, _ := filepath.Glob(filepath.Join(r.common, "objects", "pack", "*.pack"))
			data, err := os.ReadFile(packs[0])
			if err != nil {
				t.Fatal(err)
			}
			for i := 12; i < len(data)-20; i++ {
				data[i] ^= 0x55
			}
			r.writeAt(packs[0], string(data))
			return base, head + "+unknown"
		}},
		{name: "index path out of the work tree", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, filepath.Join(base, "repo"))
			r.writeAt(filepath.Join(base, "outside.txt"), "outside\n")
			r.setEntry(indexEntry{path: "../outside.txt", mode: modeFile, id: r.object("blob", []byte("outside\n"))})
			return r.work, head + "+unknown"
		}},
		{name: "split index", wantErr: true, gitFails: true, build: func(t *testing.T, base string) (string, string) {
			r, head := committed(t, base)
			name := filepath.Join(r.gitDir, "index")
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			data = append(data[:len(data)-20], "link\x00\x00\x00\x14"+strings.Repeat("\x01", 20)+strings.Repeat("\x00", 20)...)
			r.writeAt(name, string(data))
			return base, head + "+unknown"
		}},
	}
}

// cacheTreeRoot returns the tree of the last commit.
func (r *fakeRepo) cacheTreeRoot(t *testing.T) string {
	t.Helper()
	if len(r.cache) == 0 {
		t.Fatal("no commit")
	}
	return r.cache[0].id.String()
}

// worktree returns a linked worktree of a repository at base/main, on
// branch wt, with HEAD's commit: base/wt/.git is a file naming
// base/main/.git/worktrees/wt, which holds a commondir file.
func worktree(t *testing.T, base string) (*fakeRepo, string) {
	main, head := committed(t, filepath.Join(base, "main"))
	gitDir := filepath.Join(main.common, "worktrees", "wt")
	wt := &fakeRepo{t: t, work: filepath.Join(base, "wt"), gitDir: gitDir, common: main.common, entries: map[string]*indexEntry{}, version: 2}
	wt.writeAt(filepath.Join(wt.work, ".git"), "gitdir: "+gitDir+"\n")
	wt.writeAt(filepath.Join(gitDir, "commondir"), "../..\n")
	wt.writeAt(filepath.Join(gitDir, "gitdir"), filepath.Join(wt.work, ".git")+"\n")
	wt.writeAt(filepath.Join(gitDir, "HEAD"), "ref: refs/heads/wt\n")
	wt.writeAt(filepath.Join(main.common, "refs", "heads", "wt"), head+"\n")
	var names []string
	for name, e := range main.entries {
		data, err := os.ReadFile(filepath.Join(main.work, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		wt.write(name, string(data))
		if err := os.Chmod(filepath.Join(wt.work, filepath.FromSlash(name)), os.FileMode(e.mode&0o777)); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	wt.add(names...)
	wt.cache = main.cache
	wt.writeIndex()
	return wt, head
}

// symlinked returns a repository with two files and current.yaml, a
// symbolic link to a.yaml, staged.
func symlinked(t *testing.T, base string) *fakeRepo {
	r := newFakeRepo(t, base)
	r.files(map[string]string{"a.yaml": "name: a\n", "b.yaml": "name: b\n"})
	if err := os.Symlink("a.yaml", filepath.Join(base, "current.yaml")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	r.add("current.yaml")
	return r
}

// subCommits makes a repository at dir with two commits, HEAD at the
// second, and returns them.
func subCommits(t *testing.T, dir string) []hash {
	r := newFakeRepo(t, dir)
	r.files(map[string]string{"lib.go": "package lib\n"})
	first := r.commit("lib")
	r.files(map[string]string{"lib.go": "package lib // v2\n"})
	return []hash{first, r.commit("lib v2")}
}

func TestGitCommit(t *testing.T) {
	for _, tc := range gitCases() {
		t.Run(tc.name, func(t *testing.T) {
			if tc.linuxOnly && runtime.GOOS != "linux" {
				t.Skip("needs Linux stat data")
			}
			base := t.TempDir()
			dir, want := tc.build(t, base)
			got, err := GitCommit(context.Background(), dir)
			if got != want {
				t.Errorf("GitCommit = %q, want %q (error %v)", got, want, err)
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("GitCommit error = %v, want error: %v", err, tc.wantErr)
			}
		})
	}
}

// TestGitCommitDeadline checks that the dirty check gives up when its
// context is done, keeping the commit.
func TestGitCommitDeadline(t *testing.T) {
	base := t.TempDir()
	_, head := committed(t, base)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got, err := GitCommit(ctx, base)
	if want := head + "+unknown"; got != want {
		t.Errorf("GitCommit = %q, want %q", got, want)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("GitCommit error = %v, want context.Canceled", err)
	}
}

// TestGitCommitRelative checks a relative directory, taken from the
// current one.
func TestGitCommitRelative(t *testing.T) {
	base := t.TempDir()
	_, head := committed(t, base)
	t.Chdir(filepath.Join(base, "src"))
	if got, err := GitCommit(context.Background(), "deep"); got != head || err != nil {
		t.Errorf("GitCommit(deep) = %q, %v; want %q", got, err, head)
	}
}

func TestReadConfig(t *testing.T) {
	name := filepath.Join(t.TempDir(), "config")
	text := "# comment\n[core]\n\tfilemode = false # trailing\n\tbare\n\tCheckStat = \"Minimal\"\n" +
		"[remote \"origin\"]\n\turl = x\n[Extensions] objectformat = sha1\n[branch.main]\n\tremote = origin\n"
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := readConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"core.filemode": "false", "core.bare": "true", "core.checkstat": "minimal",
		"extensions.objectformat": "sha1", "remote.url": "", "core.url": "", "branch.remote": ""} {
		if got := cfg[key]; got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
	if got, want := len(cfg), 4; got != want {
		t.Errorf("config has %d keys (%v), want %d", got, cfg, want)
	}
	if got := configBool(cfg, "core.filemode", true); got {
		t.Error("core.filemode = true, want false")
	}
	if got := configBool(cfg, "core.symlinks", true); !got {
		t.Error("core.symlinks (absent) = false, want the default true")
	}
}
