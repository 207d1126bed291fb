package provenance

// Reading the index (.git/index, versions 2 to 4): a header, the entries
// sorted by path, then extensions, of which the cache tree ("TREE") says
// which tree object the whole index would be, when that is still known.

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// indexEntry is one file of the index, with the stat data the index
// recorded when it last saw the file in the work tree.
type indexEntry struct {
	path                string
	ctimeSec, ctimeNsec uint32
	mtimeSec, mtimeNsec uint32
	dev, ino            uint32
	mode                uint32 // 0o100644, 0o100755, 0o120000, 0o160000; 0o40000 for a sparse directory
	size                uint32 // truncated to 32 bits, as stored
	id                  hash
	stage               int  // 0, or 1-3 for a merge conflict
	assumeValid         bool // git update-index --assume-unchanged: not compared with the work tree
	skipWorktree        bool // sparse checkout: not in the work tree
	intentToAdd         bool // git add -N
}

// index is a parsed index file.
type index struct {
	entries []indexEntry
	// cacheTree is the tree object the index's entries make, when the
	// cache tree extension is present and still valid at its root;
	// cacheTreeCount is how many entries it covers.
	cacheTree      hash
	cacheTreeCount int
	cacheTreeValid bool
	split          bool // a split index: the entries are only changes to a shared index
	sparse         bool // a sparse index: some entries are whole directories
}

// Index entry flags.
const (
	flagAssumeValid  = 0x8000
	flagExtended     = 0x4000
	flagStageMask    = 0x3000
	flagNameMask     = 0x0fff
	flagSkipWorktree = 0x4000 // of the extended flags
	flagIntentToAdd  = 0x2000 // of the extended flags
)

var errCorruptIndex = errors.New("corrupt index")

// parseIndex reads an index file's content.
func parseIndex(data []byte) (*index, error) {
	if len(data) < 12+20 || string(data[:4]) != "DIRC" {
		return nil, errCorruptIndex
	}
	version := binary.BigEndian.Uint32(data[4:])
	if version < 2 || version > 4 {
		return nil, fmt.Errorf("index version %d is not supported", version)
	}
	count := binary.BigEndian.Uint32(data[8:])
	body := data[:len(data)-20] // the last 20 bytes are a checksum
	if int64(count) > int64(len(body))/(62+1) {
		return nil, errCorruptIndex
	}
	idx := &index{entries: make([]indexEntry, 0, count)}
	pos := 12
	prev := ""
	for range count {
		if pos+62 > len(body) {
			return nil, errCorruptIndex
		}
		b := body[pos:]
		u := func(i int) uint32 { return binary.BigEndian.Uint32(b[4*i:]) }
		e := indexEntry{
			ctimeSec: u(0), ctimeNsec: u(1), mtimeSec: u(2), mtimeNsec: u(3),
			dev: u(4), ino: u(5), mode: u(6), size: u(9),
		}
		copy(e.id[:], b[40:60])
		flags := binary.BigEndian.Uint16(b[60:])
		e.assumeValid = flags&flagAssumeValid != 0
		e.stage = int(flags&flagStageMask) >> 12
		n := 62
		if flags&flagExtended != 0 {
			if version < 3 || pos+64 > len(body) {
				return nil, errCorruptIndex
			}
			ext := binary.BigEndian.Uint16(b[62:])
			e.skipWorktree = ext&flagSkipWorktree != 0
			e.intentToAdd = ext&flagIntentToAdd != 0
			n = 64
		}
		if version == 4 {
			// The path is the previous one less its last N bytes, then
			// a NUL-terminated suffix; N is in the offset encoding of
			// packs.
			strip, used, ok := offsetVarint(b[n:])
			if !ok || strip > uint64(len(prev)) {
				return nil, errCorruptIndex
			}
			n += used
			end := bytes.IndexByte(b[n:], 0)
			if end < 0 {
				return nil, errCorruptIndex
			}
			e.path = prev[:len(prev)-int(strip)] + string(b[n:n+end])
			pos += n + end + 1
		} else {
			end := bytes.IndexByte(b[n:], 0)
			if end < 0 {
				return nil, errCorruptIndex
			}
			e.path = string(b[n : n+end])
			// NUL padding to a multiple of 8 bytes, at least one.
			pos += (n + end + 8) &^ 7
		}
		// A sparse directory's path ends in "/".
		if p, _ := strings.CutSuffix(e.path, "/"); !validPath(p) || p != e.path && e.mode != modeTree {
			return nil, fmt.Errorf("%w: path %q", errCorruptIndex, e.path)
		}
		prev = e.path
		idx.entries = append(idx.entries, e)
	}
	if pos > len(body) {
		return nil, errCorruptIndex
	}
	for rest := body[pos:]; len(rest) > 0; {
		if len(rest) < 8 {
			return nil, errCorruptIndex
		}
		sig, size := string(rest[:4]), binary.BigEndian.Uint32(rest[4:])
		if uint64(size) > uint64(len(rest)-8) {
			return nil, errCorruptIndex
		}
		ext := rest[8 : 8+size]
		switch sig {
		case "TREE":
			idx.readCacheTree(ext)
		case "link":
			idx.split = true
		case "sdir":
			idx.sparse = true
		}
		rest = rest[8+size:]
	}
	return idx, nil
}

// readCacheTree reads the root of the cache tree extension: "" NUL, the
// number of entries it covers (-1 when invalidated), a space, the number
// of subtrees, a newline, and the tree's name when valid.
func (idx *index) readCacheTree(ext []byte) {
	if len(ext) == 0 || ext[0] != 0 {
		return
	}
	line, rest, ok := bytes.Cut(ext[1:], []byte("\n"))
	if !ok {
		return
	}
	countText, _, _ := bytes.Cut(line, []byte(" "))
	count, err := strconv.Atoi(string(countText))
	if err != nil || count < 0 || len(rest) < 20 {
		return
	}
	copy(idx.cacheTree[:], rest[:20])
	idx.cacheTreeCount = count
	idx.cacheTreeValid = true
}

// offsetVarint reads a number in git's offset encoding (big-endian base
// 128, each continued byte adding one), returning the bytes it took.
func offsetVarint(b []byte) (v uint64, n int, ok bool) {
	for n < len(b) && n < 9 {
		c := b[n]
		n++
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 == 0 {
			return v, n, true
		}
		v++
	}
	return 0, 0, false
}

// validPath reports whether p is a path git would put in an index:
// relative, slash separated, with no empty, "." or ".." element, so that
// it names a file inside the work tree.
func validPath(p string) bool {
	if p == "" {
		return false
	}
	for elem := range strings.SplitSeq(p, "/") {
		if elem == "" || elem == "." || elem == ".." {
			return false
		}
	}
	return !strings.ContainsRune(p, 0)
}
