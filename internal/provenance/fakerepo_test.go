package provenance

// fakeRepo writes git repositories file by file, as git would, so that the
// tests need no git binary: loose objects, trees and commits, the index
// (versions 2 to 4, with a cache tree), refs, and packs with deltas. When
// git is installed, TestAgainstGit checks each of them with git fsck and
// git status.

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type fakeRepo struct {
	t       testing.TB
	work    string // the work tree
	gitDir  string // HEAD and the index
	common  string // objects, refs, config
	entries map[string]*indexEntry
	version int  // of the index written: 2, 3 or 4
	noTree  bool // write no cache tree extension
	// cache is the cache tree of the last commit, pre-order, while the
	// index is as that commit left it; nil once the index changes.
	cache []cacheNode
}

// cacheNode is one directory of a cache tree.
type cacheNode struct {
	name            string // the directory's name; "" for the root
	count, subtrees int
	id              hash
}

// newFakeRepo runs "git init" in work: an empty repository on branch main.
func newFakeRepo(t testing.TB, work string) *fakeRepo {
	return newFakeRepoAt(t, work, filepath.Join(work, ".git"), "")
}

// newFakeRepoAt makes a repository whose git directory is gitDir. When
// gitFile is not "", work/.git is a file that holds it ("gitdir: "+gitFile),
// as for a submodule.
func newFakeRepoAt(t testing.TB, work, gitDir, gitFile string) *fakeRepo {
	t.Helper()
	r := &fakeRepo{t: t, work: work, gitDir: gitDir, common: gitDir, entries: map[string]*indexEntry{}, version: 2}
	for _, d := range []string{work, filepath.Join(gitDir, "objects", "info"), filepath.Join(gitDir, "objects", "pack"),
		filepath.Join(gitDir, "refs", "heads"), filepath.Join(gitDir, "refs", "tags")} {
		r.mkdir(d)
	}
	r.writeAt(filepath.Join(gitDir, "HEAD"), "ref: refs/heads/main\n")
	r.writeAt(filepath.Join(gitDir, "config"), "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n")
	if gitFile != "" {
		r.writeAt(filepath.Join(work, ".git"), "gitdir: "+gitFile+"\n")
	}
	return r
}

func (r *fakeRepo) mkdir(dir string) {
	r.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		r.t.Fatal(err)
	}
}

func (r *fakeRepo) writeAt(name, content string) {
	r.t.Helper()
	r.mkdir(filepath.Dir(name))
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// write writes a file of the work tree.
func (r *fakeRepo) write(name, content string) {
	r.t.Helper()
	r.writeAt(filepath.Join(r.work, filepath.FromSlash(name)), content)
}

// remove removes a file of the work tree.
func (r *fakeRepo) remove(name string) {
	r.t.Helper()
	if err := os.RemoveAll(filepath.Join(r.work, filepath.FromSlash(name))); err != nil {
		r.t.Fatal(err)
	}
}

// object writes a loose object and returns its name.
func (r *fakeRepo) object(typ string, data []byte) hash {
	r.t.Helper()
	full := append(fmt.Appendf(nil, "%s %d\x00", typ, len(data)), data...)
	id := hash(sha1.Sum(full))
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(full)
	w.Close()
	name := filepath.Join(r.common, "objects", id.String()[:2], id.String()[2:])
	r.mkdir(filepath.Dir(name))
	if err := os.WriteFile(name, z.Bytes(), 0o444); err != nil && !os.IsPermission(err) {
		r.t.Fatal(err)
	}
	return id
}

// add stages files of the work tree as git add does; a path that is gone
// is removed from the index.
func (r *fakeRepo) add(names ...string) {
	r.t.Helper()
	for _, name := range names {
		file := filepath.Join(r.work, filepath.FromSlash(name))
		fi, err := os.Lstat(file)
		if os.IsNotExist(err) {
			delete(r.entries, name)
			continue
		}
		if err != nil {
			r.t.Fatal(err)
		}
		var content []byte
		mode := uint32(modeFile)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(file)
			if err != nil {
				r.t.Fatal(err)
			}
			content, mode = []byte(target), modeSymlink
		default:
			if content, err = os.ReadFile(file); err != nil {
				r.t.Fatal(err)
			}
			if fi.Mode()&0o100 != 0 {
				mode = modeExec
			}
		}
		st := statOf(fi)
		r.entries[name] = &indexEntry{path: name, mode: mode, id: r.object("blob", content), size: st.size,
			mtimeSec: st.mtimeSec, mtimeNsec: st.mtimeNsec, ctimeSec: st.ctimeSec, ctimeNsec: st.ctimeNsec, ino: st.ino}
	}
	r.cache = nil
	r.writeIndex()
}

// files writes the files (path: content) and stages them.
func (r *fakeRepo) files(files map[string]string) {
	r.t.Helper()
	var names []string
	for name, content := range files {
		r.write(name, content)
		names = append(names, name)
	}
	r.add(names...)
}

// setEntry puts an entry in the index as it is given (a submodule, a
// conflict, flags).
func (r *fakeRepo) setEntry(e indexEntry) {
	key := e.path
	if e.stage != 0 {
		key = fmt.Sprintf("%s\x00%d", e.path, e.stage)
	}
	r.entries[key] = &e
	r.cache = nil
	r.writeIndex()
}

// sorted returns the index's entries as the index orders them: by path,
// then stage.
func (r *fakeRepo) sorted() []*indexEntry {
	var list []*indexEntry
	for _, e := range r.entries {
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b *indexEntry) int {
		if c := strings.Compare(a.path, b.path); c != 0 {
			return c
		}
		return a.stage - b.stage
	})
	return list
}

// commit writes the index's trees and a commit of them on HEAD's branch
// (or HEAD itself when detached), and returns the commit.
func (r *fakeRepo) commit(msg string) hash {
	r.t.Helper()
	var nodes []cacheNode
	tree, _ := r.writeTree("", r.sorted(), &nodes)
	parent, hasParent, err := (&repo{gitDir: r.gitDir, commonDir: r.common}).head()
	if err != nil {
		r.t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tree %s\n", tree)
	if hasParent {
		fmt.Fprintf(&b, "parent %s\n", parent)
	}
	fmt.Fprintf(&b, "author A U Thor <author@example.com> 1764496800 +0000\ncommitter A U Thor <author@example.com> 1764496800 +0000\n\n%s\n", msg)
	id := r.object("commit", []byte(b.String()))
	r.setHead(id)
	r.cache = nodes
	r.writeIndex()
	return id
}

// setHead moves HEAD's branch, or HEAD when detached, to id.
func (r *fakeRepo) setHead(id hash) {
	r.t.Helper()
	head, err := os.ReadFile(filepath.Join(r.gitDir, "HEAD"))
	if err != nil {
		r.t.Fatal(err)
	}
	if ref, ok := strings.CutPrefix(strings.TrimSpace(string(head)), "ref: "); ok {
		r.writeAt(filepath.Join(r.common, filepath.FromSlash(ref)), id.String()+"\n")
		return
	}
	r.writeAt(filepath.Join(r.gitDir, "HEAD"), id.String()+"\n")
}

// writeTree writes the tree of the entries under dir (each path under it,
// sorted) and returns it and how many entries it holds, adding its cache
// tree nodes to nodes in pre-order.
func (r *fakeRepo) writeTree(dir string, entries []*indexEntry, nodes *[]cacheNode) (hash, int) {
	type item struct {
		name string
		mode uint32
		id   hash
	}
	var items []item
	at := len(*nodes)
	*nodes = append(*nodes, cacheNode{name: path.Base("/" + dir)})
	if dir == "" {
		(*nodes)[at].name = ""
	}
	subtrees := 0
	for i := 0; i < len(entries); {
		rel := strings.TrimPrefix(entries[i].path, dir)
		sub, _, isDir := strings.Cut(rel, "/")
		if !isDir {
			items = append(items, item{rel, entries[i].mode, entries[i].id})
			i++
			continue
		}
		j := i
		for j < len(entries) && strings.HasPrefix(entries[j].path, dir+sub+"/") {
			j++
		}
		id, _ := r.writeTree(dir+sub+"/", entries[i:j], nodes)
		items = append(items, item{sub, modeTree, id})
		subtrees++
		i = j
	}
	// Trees sort a directory as if its name ended in "/".
	key := func(it item) string {
		if it.mode == modeTree {
			return it.name + "/"
		}
		return it.name
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(key(a), key(b)) })
	var data []byte
	for _, it := range items {
		data = fmt.Appendf(data, "%o %s\x00", it.mode, it.name)
		data = append(data, it.id[:]...)
	}
	id := r.object("tree", data)
	(*nodes)[at].count, (*nodes)[at].subtrees, (*nodes)[at].id = len(entries), subtrees, id
	return id, len(entries)
}

// writeIndex writes the index file in r.version, with the cache tree
// when it is valid.
func (r *fakeRepo) writeIndex() {
	r.t.Helper()
	var b []byte
	entries := r.sorted()
	b = append(b, "DIRC"...)
	b = binary.BigEndian.AppendUint32(b, uint32(r.version))
	b = binary.BigEndian.AppendUint32(b, uint32(len(entries)))
	prev := ""
	for _, e := range entries {
		start := len(b)
		for _, v := range []uint32{e.ctimeSec, e.ctimeNsec, e.mtimeSec, e.mtimeNsec, e.dev, e.ino, e.mode, uint32(os.Getuid()), uint32(os.Getgid()), e.size} {
			b = binary.BigEndian.AppendUint32(b, v)
		}
		b = append(b, e.id[:]...)
		flags := uint16(min(len(e.path), flagNameMask)) | uint16(e.stage<<12)
		if e.assumeValid {
			flags |= flagAssumeValid
		}
		extended := e.skipWorktree || e.intentToAdd
		if extended {
			if r.version < 3 {
				r.t.Fatalf("entry %s needs index version 3", e.path)
			}
			flags |= flagExtended
		}
		b = binary.BigEndian.AppendUint16(b, flags)
		if extended {
			var ext uint16
			if e.skipWorktree {
				ext |= flagSkipWorktree
			}
			if e.intentToAdd {
				ext |= flagIntentToAdd
			}
			b = binary.BigEndian.AppendUint16(b, ext)
		}
		if r.version == 4 {
			common := 0
			for common < len(prev) && common < len(e.path) && prev[common] == e.path[common] {
				common++
			}
			b = appendOffsetVarint(b, uint64(len(prev)-common))
			b = append(b, e.path[common:]...)
			b = append(b, 0)
		} else {
			b = append(b, e.path...)
			for pad := (len(b)-start+8)&^7 - (len(b) - start); pad > 0; pad-- {
				b = append(b, 0)
			}
		}
		prev = e.path
	}
	if r.cache != nil && !r.noTree {
		var ext []byte
		for _, n := range r.cache {
			ext = fmt.Appendf(ext, "%s\x00%d %d\n", n.name, n.count, n.subtrees)
			ext = append(ext, n.id[:]...)
		}
		b = append(b, "TREE"...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(ext)))
		b = append(b, ext...)
	}
	sum := sha1.Sum(b)
	r.writeAt(filepath.Join(r.gitDir, "index"), string(append(b, sum[:]...)))
}

// appendOffsetVarint appends v in git's offset encoding.
func appendOffsetVarint(b []byte, v uint64) []byte {
	var buf [10]byte
	i := len(buf) - 1
	buf[i] = byte(v & 0x7f)
	for v >>= 7; v > 0; v >>= 7 {
		v--
		i--
		buf[i] = 0x80 | byte(v&0x7f)
	}
	return append(b, buf[i:]...)
}

// packOptions say how repack writes a pack.
type packOptions struct {
	deltas       bool // each object after the first of its type is a delta of the one before, by offset or by name in turn, up to chains of 50
	idxV1        bool // write index version 1
	largeOffsets bool // v2: put every offset but the first in the table of 8-byte offsets
}

// repack moves every loose object into one pack.
func (r *fakeRepo) repack(opt packOptions) {
	r.t.Helper()
	type object struct {
		id   hash
		typ  int
		data []byte
		off  int64
		crc  uint32
	}
	var objs []*object
	objDir := filepath.Join(r.common, "objects")
	loose, _ := filepath.Glob(filepath.Join(objDir, "[0-9a-f][0-9a-f]", "*"))
	for _, name := range loose {
		typ, data, err := readLoose(name)
		if err != nil {
			r.t.Fatal(err)
		}
		id, _ := parseHash(filepath.Base(filepath.Dir(name)) + filepath.Base(name))
		objs = append(objs, &object{id: id, typ: typ, data: data})
		if err := os.Remove(name); err != nil {
			r.t.Fatal(err)
		}
	}
	slices.SortFunc(objs, func(a, b *object) int { return bytes.Compare(a.id[:], b.id[:]) })
	pack := []byte("PACK")
	pack = binary.BigEndian.AppendUint32(pack, 2)
	pack = binary.BigEndian.AppendUint32(pack, uint32(len(objs)))
	last := map[int]*object{}
	depth := map[*object]int{} // deltas to reach the whole object
	for i, o := range objs {
		o.off = int64(len(pack))
		typ, body := o.typ, o.data
		var prefix []byte
		// git refuses a delta of under 4 bytes (one that makes an
		// empty object of a small base).
		// Chains stop at 50 deltas, as git's pack.depth does.
		if base := last[o.typ]; opt.deltas && base != nil && depth[base] < 50 && len(makeDelta(base.data, o.data)) >= 4 {
			body = makeDelta(base.data, o.data)
			depth[o] = depth[base] + 1
			if i%2 == 0 {
				typ = objOfsDelta
				prefix = appendOffsetVarint(nil, uint64(o.off-base.off))
			} else {
				typ = objRefDelta
				prefix = base.id[:]
			}
		}
		last[o.typ] = o
		// Type and size: 3 bits and 4 bits, then 7 bits a byte.
		size := len(body)
		c := byte(typ<<4) | byte(size&15)
		for size >>= 4; size > 0; size >>= 7 {
			pack = append(pack, c|0x80)
			c = byte(size & 0x7f)
		}
		pack = append(pack, c)
		pack = append(pack, prefix...)
		var z bytes.Buffer
		w := zlib.NewWriter(&z)
		w.Write(body)
		w.Close()
		pack = append(pack, z.Bytes()...)
		o.crc = crc32.ChecksumIEEE(pack[o.off:])
	}
	packSum := sha1.Sum(pack)
	pack = append(pack, packSum[:]...)

	var idx []byte
	var fanout [256]uint32
	for _, o := range objs {
		for b := int(o.id[0]); b < 256; b++ {
			fanout[b]++
		}
	}
	if opt.idxV1 {
		for _, n := range fanout {
			idx = binary.BigEndian.AppendUint32(idx, n)
		}
		for _, o := range objs {
			idx = binary.BigEndian.AppendUint32(idx, uint32(o.off))
			idx = append(idx, o.id[:]...)
		}
	} else {
		idx = append(idx, "\xfftOc\x00\x00\x00\x02"...)
		for _, n := range fanout {
			idx = binary.BigEndian.AppendUint32(idx, n)
		}
		for _, o := range objs {
			idx = append(idx, o.id[:]...)
		}
		for _, o := range objs {
			idx = binary.BigEndian.AppendUint32(idx, o.crc)
		}
		// git takes an index for corrupt when more than n-1 offsets
		// are large: the first object is at 12 in any pack.
		for i, o := range objs {
			if opt.largeOffsets && i > 0 {
				idx = binary.BigEndian.AppendUint32(idx, 0x80000000|uint32(i-1))
			} else {
				idx = binary.BigEndian.AppendUint32(idx, uint32(o.off))
			}
		}
		if opt.largeOffsets {
			for _, o := range objs[1:] {
				idx = binary.BigEndian.AppendUint64(idx, uint64(o.off))
			}
		}
	}
	idx = append(idx, packSum[:]...)
	idxSum := sha1.Sum(idx)
	idx = append(idx, idxSum[:]...)
	name := filepath.Join(objDir, "pack", "pack-"+hash(packSum).String())
	r.writeAt(name+".pack", string(pack))
	r.writeAt(name+".idx", string(idx))
}

// makeDelta returns a delta that makes target of base: a copy of their
// common prefix, the middle inserted, a copy of their common suffix.
func makeDelta(base, target []byte) []byte {
	varint := func(b []byte, v int) []byte {
		for v >= 0x80 {
			b = append(b, byte(v)|0x80)
			v >>= 7
		}
		return append(b, byte(v))
	}
	d := varint(varint(nil, len(base)), len(target))
	prefix := 0
	for prefix < len(base) && prefix < len(target) && base[prefix] == target[prefix] {
		prefix++
	}
	suffix := 0
	for suffix < len(base)-prefix && suffix < len(target)-prefix && base[len(base)-1-suffix] == target[len(target)-1-suffix] {
		suffix++
	}
	d = appendCopy(d, 0, prefix)
	for mid := target[prefix : len(target)-suffix]; len(mid) > 0; {
		n := min(len(mid), 127)
		d = append(d, byte(n))
		d = append(d, mid[:n]...)
		mid = mid[n:]
	}
	return appendCopy(d, len(base)-suffix, suffix)
}

// appendCopy appends instructions that copy n bytes of the base from at,
// 0x10000 at most each (written with no size bytes).
func appendCopy(d []byte, at, n int) []byte {
	for n > 0 {
		size := min(n, 0x10000)
		op := byte(0x80)
		var args []byte
		for i := range 4 {
			if b := byte(at >> (8 * i)); b != 0 {
				op |= 1 << i
				args = append(args, b)
			}
		}
		if size != 0x10000 {
			for i := range 3 {
				if b := byte(size >> (8 * i)); b != 0 {
					op |= 1 << (4 + i)
					args = append(args, b)
				}
			}
		}
		d = append(append(d, op), args...)
		at += size
		n -= size
	}
	return d
}
