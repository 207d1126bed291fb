package provenance

// Reading git objects: loose (objects/xx/yyyy, zlib of "TYPE SIZE\0DATA")
// and packed (objects/pack/*.idx names where in the .pack each object is;
// an object there may be a delta against another, by offset in the same
// pack or by name). The dirty check reads only commits and trees, so
// objects are read whole; a size beyond maxObject is taken for corruption
// rather than allocated.

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// maxObject is the largest commit or tree read: far beyond a real one (a
// tree of 100,000 entries is about 4 MB). Memory for an object grows as
// its data arrives, so a corrupt size costs no more than the data.
const maxObject = 64 << 20

// maxDeltaChain bounds the deltas followed to reach a base object; git's
// own limit when packing is 4095.
const maxDeltaChain = 10000

// Object types, as numbered in packs.
const (
	objCommit   = 1
	objTree     = 2
	objBlob     = 3
	objTag      = 4
	objOfsDelta = 6
	objRefDelta = 7
)

var typeNames = map[string]int{"commit": objCommit, "tree": objTree, "blob": objBlob, "tag": objTag}

// objects reads the objects of a repository.
type objects struct {
	dirs   []string // objects directories: the repository's, then its alternates'
	packs  []*pack
	loaded bool // packs lists every pack of dirs
	// cache holds the objects read from packs, so that the trees of a
	// delta chain (each a delta of the one before) are inflated once
	// each rather than once per tree above them; cacheBytes bounds it.
	cache      map[packedAt]cachedObject
	cacheBytes int
}

// maxCache bounds the bytes of objects cached.
const maxCache = 32 << 20

type packedAt struct {
	p   *pack
	off int64
}

type cachedObject struct {
	typ  int
	data []byte
}

// newObjects returns the object store of the objects directory dir and of
// the alternates it lists (objects/info/alternates, one directory a line,
// relative to dir), which a clone made with --shared or --reference has.
func newObjects(dir string) *objects {
	o := &objects{}
	seen := map[string]bool{}
	var add func(dir string, depth int)
	add = func(dir string, depth int) {
		if seen[dir] || depth > 5 {
			return
		}
		seen[dir] = true
		o.dirs = append(o.dirs, dir)
		data, err := os.ReadFile(filepath.Join(dir, "info", "alternates"))
		if err != nil {
			return
		}
		for line := range strings.Lines(string(data)) {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			if !filepath.IsAbs(line) {
				line = filepath.Join(dir, line)
			}
			add(filepath.Clean(line), depth+1)
		}
	}
	add(dir, 0)
	return o
}

// close closes the pack files opened.
func (o *objects) close() {
	for _, p := range o.packs {
		p.close()
	}
}

// read returns the type and content of the object id.
func (o *objects) read(ctx context.Context, id hash) (typ int, data []byte, err error) {
	for _, dir := range o.dirs {
		typ, data, err := readLoose(filepath.Join(dir, id.String()[:2], id.String()[2:]))
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return typ, data, err
		}
	}
	if err := o.loadPacks(); err != nil {
		return 0, nil, err
	}
	for _, p := range o.packs {
		off, found, err := p.find(id)
		if err != nil {
			return 0, nil, err
		}
		if found {
			return p.read(ctx, o, off, 0)
		}
	}
	return 0, nil, fmt.Errorf("object %s not found", id)
}

// readType reads the object id and checks that it is of type want.
func (o *objects) readType(ctx context.Context, id hash, want int) ([]byte, error) {
	typ, data, err := o.read(ctx, id)
	if err != nil {
		return nil, err
	}
	if typ != want {
		return nil, fmt.Errorf("object %s is of type %d, want %d", id, typ, want)
	}
	return data, nil
}

// loadPacks finds the packs of every objects directory, newest first (as
// git looks them up: recent objects are more often asked for).
func (o *objects) loadPacks() error {
	if o.loaded {
		return nil
	}
	o.loaded = true
	for _, dir := range o.dirs {
		idxs, err := filepath.Glob(filepath.Join(dir, "pack", "pack-*.idx"))
		if err != nil {
			return err
		}
		type found struct {
			idx  string
			time int64
		}
		var list []found
		for _, idx := range idxs {
			fi, err := os.Stat(idx)
			if err != nil {
				continue // removed by a concurrent gc
			}
			list = append(list, found{idx, fi.ModTime().UnixNano()})
		}
		slices.SortFunc(list, func(a, b found) int { return cmp.Compare(b.time, a.time) })
		for _, f := range list {
			o.packs = append(o.packs, &pack{idxPath: f.idx, packPath: strings.TrimSuffix(f.idx, ".idx") + ".pack"})
		}
	}
	return nil
}

// readLoose reads a loose object file.
func readLoose(path string) (typ int, data []byte, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	z, err := zlib.NewReader(bufio.NewReader(f))
	if err != nil {
		return 0, nil, fmt.Errorf("read object %s: %w", path, err)
	}
	br := bufio.NewReader(z)
	header, err := br.ReadString(0)
	if err != nil {
		return 0, nil, fmt.Errorf("read object %s: header: %w", path, err)
	}
	name, sizeText, _ := strings.Cut(strings.TrimSuffix(header, "\x00"), " ")
	typ, ok := typeNames[name]
	size, err := strconv.ParseInt(sizeText, 10, 64)
	if !ok || err != nil || size < 0 || size > maxObject {
		return 0, nil, fmt.Errorf("read object %s: bad header %q", path, header)
	}
	if data, err = readSized(br, size); err != nil {
		return 0, nil, fmt.Errorf("read object %s: %w", path, err)
	}
	return typ, data, nil
}

// pack is a packfile and its index, opened at the first look-up. The index
// is read by ReadAt, a binary search within the range its fan-out table
// gives, so that a large one costs a few reads rather than being loaded.
type pack struct {
	idxPath, packPath string
	opened            bool
	err               error // from opening
	idx, data         *os.File
	version           int         // of the index: 1 or 2
	fanout            [256]uint32 // fanout[b]: objects whose name's first byte is <= b
	dataSize          int64
}

func (p *pack) close() {
	if p.idx != nil {
		p.idx.Close()
	}
	if p.data != nil {
		p.data.Close()
	}
}

// open opens the index and pack and reads the fan-out table.
func (p *pack) open() error {
	if p.opened {
		return p.err
	}
	p.opened = true
	p.err = p.openFiles()
	return p.err
}

func (p *pack) openFiles() error {
	var err error
	if p.idx, err = os.Open(p.idxPath); err != nil {
		return fmt.Errorf("open pack index: %w", err)
	}
	if p.data, err = os.Open(p.packPath); err != nil {
		return fmt.Errorf("open pack: %w", err)
	}
	fi, err := p.data.Stat()
	if err != nil {
		return fmt.Errorf("open pack: %w", err)
	}
	p.dataSize = fi.Size()
	var header [8]byte
	if _, err := p.data.ReadAt(header[:], 0); err != nil || string(header[:4]) != "PACK" {
		return fmt.Errorf("%s is not a pack", p.packPath)
	}
	if v := binary.BigEndian.Uint32(header[4:]); v != 2 && v != 3 {
		return fmt.Errorf("%s: pack version %d is not supported", p.packPath, v)
	}
	var table [8 + 256*4]byte
	if _, err := p.idx.ReadAt(table[:], 0); err != nil {
		return fmt.Errorf("read pack index %s: %w", p.idxPath, err)
	}
	fan := table[:256*4]
	p.version = 1
	if string(table[:4]) == "\xfftOc" {
		if v := binary.BigEndian.Uint32(table[4:]); v != 2 {
			return fmt.Errorf("%s: pack index version %d is not supported", p.idxPath, v)
		}
		p.version = 2
		fan = table[8:]
	}
	for i := range p.fanout {
		p.fanout[i] = binary.BigEndian.Uint32(fan[4*i:])
		if i > 0 && p.fanout[i] < p.fanout[i-1] {
			return fmt.Errorf("%s: fan-out table is not sorted", p.idxPath)
		}
	}
	return nil
}

// find returns the offset of id in the pack.
func (p *pack) find(id hash) (off int64, found bool, err error) {
	if err := p.open(); err != nil {
		return 0, false, err
	}
	n := int64(p.fanout[255])
	lo, hi := int64(0), int64(p.fanout[id[0]])
	if id[0] > 0 {
		lo = int64(p.fanout[id[0]-1])
	}
	// Where the i-th name is: after the fan-out table, alone (v2) or
	// after its 4-byte offset (v1).
	nameAt := func(i int64) int64 {
		if p.version == 1 {
			return 1024 + 24*i + 4
		}
		return 8 + 1024 + 20*i
	}
	var name hash
	for lo < hi {
		mid := lo + (hi-lo)/2
		if _, err := p.idx.ReadAt(name[:], nameAt(mid)); err != nil {
			return 0, false, fmt.Errorf("read pack index %s: %w", p.idxPath, err)
		}
		switch c := bytes.Compare(name[:], id[:]); {
		case c == 0:
			off, err := p.offset(mid, n)
			return off, err == nil, err
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false, nil
}

// offset reads the pack offset of the i-th of n objects of the index.
func (p *pack) offset(i, n int64) (int64, error) {
	var b [8]byte
	if p.version == 1 {
		if _, err := p.idx.ReadAt(b[:4], 1024+24*i); err != nil {
			return 0, fmt.Errorf("read pack index %s: %w", p.idxPath, err)
		}
		return int64(binary.BigEndian.Uint32(b[:4])), nil
	}
	// v2: names, then CRC-32s, then 4-byte offsets, whose top bit set
	// says the rest indexes a table of 8-byte offsets.
	at := 8 + 1024 + 20*n + 4*n + 4*i
	if _, err := p.idx.ReadAt(b[:4], at); err != nil {
		return 0, fmt.Errorf("read pack index %s: %w", p.idxPath, err)
	}
	small := binary.BigEndian.Uint32(b[:4])
	if small&0x80000000 == 0 {
		return int64(small), nil
	}
	at = 8 + 1024 + 24*n + 4*n + 8*int64(small&0x7fffffff)
	if _, err := p.idx.ReadAt(b[:], at); err != nil {
		return 0, fmt.Errorf("read pack index %s: %w", p.idxPath, err)
	}
	return int64(binary.BigEndian.Uint64(b[:])), nil
}

// read returns the object at offset off of the pack, applying deltas.
// depth counts the deltas followed so far.
func (p *pack) read(ctx context.Context, o *objects, off int64, depth int) (typ int, data []byte, err error) {
	if c, ok := o.cache[packedAt{p, off}]; ok {
		return c.typ, c.data, nil
	}
	typ, data, err = p.readAt(ctx, o, off, depth)
	if err == nil && len(data) <= maxCache/8 {
		if o.cache == nil || o.cacheBytes+len(data) > maxCache {
			o.cache, o.cacheBytes = map[packedAt]cachedObject{}, 0
		}
		o.cache[packedAt{p, off}] = cachedObject{typ, data}
		o.cacheBytes += len(data)
	}
	return typ, data, err
}

// readAt reads the object at off, uncached.
func (p *pack) readAt(ctx context.Context, o *objects, off int64, depth int) (typ int, data []byte, err error) {
	if depth > maxDeltaChain {
		return 0, nil, fmt.Errorf("%s: delta chain longer than %d", p.packPath, maxDeltaChain)
	}
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if off < 12 || off >= p.dataSize {
		return 0, nil, fmt.Errorf("%s: offset %d is outside the pack", p.packPath, off)
	}
	br := bufio.NewReaderSize(io.NewSectionReader(p.data, off, p.dataSize-off), 4096)
	c, err := br.ReadByte()
	if err != nil {
		return 0, nil, p.corrupt(off, err)
	}
	typ = int(c>>4) & 7
	size := int64(c & 15)
	for shift := 4; c&0x80 != 0; shift += 7 {
		if c, err = br.ReadByte(); err != nil {
			return 0, nil, p.corrupt(off, err)
		}
		if shift > 56 {
			return 0, nil, p.corrupt(off, errors.New("size too long"))
		}
		size |= int64(c&0x7f) << shift
	}
	if size > maxObject {
		return 0, nil, p.corrupt(off, fmt.Errorf("object of %d bytes", size))
	}
	var baseType int
	var base []byte
	switch typ {
	case objCommit, objTree, objBlob, objTag:
	case objOfsDelta:
		// The base is that many bytes before this object, in git's
		// offset encoding: each further byte adds one before shifting,
		// so that no two encodings name the same distance.
		c, err := br.ReadByte()
		if err != nil {
			return 0, nil, p.corrupt(off, err)
		}
		dist := int64(c & 0x7f)
		for c&0x80 != 0 {
			if c, err = br.ReadByte(); err != nil {
				return 0, nil, p.corrupt(off, err)
			}
			if dist > 1<<48 {
				return 0, nil, p.corrupt(off, errors.New("delta offset too long"))
			}
			dist = (dist+1)<<7 | int64(c&0x7f)
		}
		if dist <= 0 || dist > off {
			return 0, nil, p.corrupt(off, fmt.Errorf("delta base %d bytes back", dist))
		}
		if baseType, base, err = p.read(ctx, o, off-dist, depth+1); err != nil {
			return 0, nil, err
		}
	case objRefDelta:
		var id hash
		if _, err := io.ReadFull(br, id[:]); err != nil {
			return 0, nil, p.corrupt(off, err)
		}
		if baseType, base, err = o.readDeltaBase(ctx, id, depth+1); err != nil {
			return 0, nil, err
		}
	default:
		return 0, nil, p.corrupt(off, fmt.Errorf("object type %d", typ))
	}
	z, err := zlib.NewReader(br)
	if err != nil {
		return 0, nil, p.corrupt(off, err)
	}
	if data, err = readSized(z, size); err != nil {
		return 0, nil, p.corrupt(off, err)
	}
	if base == nil {
		return typ, data, nil
	}
	if data, err = applyDelta(base, data); err != nil {
		return 0, nil, p.corrupt(off, err)
	}
	return baseType, data, nil
}

// readSized reads exactly size bytes.
func readSized(r io.Reader, size int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, size))
	if err == nil && int64(len(data)) != size {
		err = io.ErrUnexpectedEOF
	}
	return data, err
}

// readDeltaBase reads the base of a delta by name, wherever it is.
func (o *objects) readDeltaBase(ctx context.Context, id hash, depth int) (typ int, data []byte, err error) {
	for _, p := range o.packs {
		off, found, err := p.find(id)
		if err != nil {
			return 0, nil, err
		}
		if found {
			return p.read(ctx, o, off, depth)
		}
	}
	return o.read(ctx, id) // a thin pack's base, stored loose
}

func (p *pack) corrupt(off int64, err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%s: object at %d: %w", p.packPath, off, err)
}

// applyDelta returns the object that delta makes of base. A delta is the
// base's size and the result's (each a little-endian base-128 number),
// then instructions: copy a range of the base (top bit set; the low 7 bits
// say which offset and size bytes follow) or insert the next 1-127 bytes.
func applyDelta(base, delta []byte) ([]byte, error) {
	varint := func() (int64, error) {
		var v int64
		for shift := 0; ; shift += 7 {
			if len(delta) == 0 || shift > 56 {
				return 0, errors.New("truncated delta header")
			}
			c := delta[0]
			delta = delta[1:]
			v |= int64(c&0x7f) << shift
			if c&0x80 == 0 {
				return v, nil
			}
		}
	}
	baseSize, err := varint()
	if err != nil {
		return nil, err
	}
	size, err := varint()
	if err != nil {
		return nil, err
	}
	if baseSize != int64(len(base)) {
		return nil, fmt.Errorf("delta for a base of %d bytes applied to %d", baseSize, len(base))
	}
	if size > maxObject {
		return nil, fmt.Errorf("delta makes %d bytes", size)
	}
	out := make([]byte, 0, min(size, 1<<20))
	for len(delta) > 0 {
		op := delta[0]
		delta = delta[1:]
		switch {
		case op&0x80 != 0:
			var at, n uint64
			for i := range 7 {
				if op&(1<<i) == 0 {
					continue
				}
				if len(delta) == 0 {
					return nil, errors.New("truncated delta copy")
				}
				if i < 4 {
					at |= uint64(delta[0]) << (8 * i)
				} else {
					n |= uint64(delta[0]) << (8 * (i - 4))
				}
				delta = delta[1:]
			}
			if n == 0 {
				n = 0x10000
			}
			if at+n > uint64(len(base)) || int64(len(out))+int64(n) > size {
				return nil, errors.New("delta copies beyond its base or result")
			}
			out = append(out, base[at:at+n]...)
		case op != 0:
			if int(op) > len(delta) || int64(len(out))+int64(op) > size {
				return nil, errors.New("delta inserts beyond its data or result")
			}
			out = append(out, delta[:op]...)
			delta = delta[op:]
		default:
			return nil, errors.New("delta instruction 0")
		}
	}
	if int64(len(out)) != size {
		return nil, fmt.Errorf("delta made %d bytes, want %d", len(out), size)
	}
	return out, nil
}

// treeEntry is one entry of a tree object.
type treeEntry struct {
	mode uint32 // 0o100644, 0o100755, 0o120000 (symbolic link), 0o160000 (submodule) or 0o40000 (tree)
	name string
	id   hash
}

// parseTree reads a tree object: entries of "MODE NAME\0" and 20 bytes of
// object name.
func parseTree(data []byte) ([]treeEntry, error) {
	var entries []treeEntry
	for len(data) > 0 {
		sp := bytes.IndexByte(data, ' ')
		nul := bytes.IndexByte(data, 0)
		if sp < 0 || nul < sp || len(data) < nul+21 {
			return nil, errors.New("corrupt tree")
		}
		mode, err := strconv.ParseUint(string(data[:sp]), 8, 32)
		if err != nil {
			return nil, fmt.Errorf("corrupt tree: mode %q", data[:sp])
		}
		e := treeEntry{mode: uint32(mode), name: string(data[sp+1 : nul])}
		copy(e.id[:], data[nul+1:nul+21])
		entries = append(entries, e)
		data = data[nul+21:]
	}
	return entries, nil
}

// commitTree returns the tree a commit object names on its first line.
func commitTree(data []byte) (hash, error) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	text, ok := bytes.CutPrefix(line, []byte("tree "))
	if h, valid := parseHash(string(text)); ok && valid {
		return h, nil
	}
	return hash{}, errors.New("commit has no tree line")
}
