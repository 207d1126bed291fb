package provenance

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestApplyDelta(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	big := random(300 << 10)
	for _, tc := range []struct {
		name         string
		base, target []byte
	}{
		{"equal", []byte("tree abc\n"), []byte("tree abc\n")},
		{"middle changed", []byte("alpha beta gamma"), []byte("alpha BETA gamma")},
		{"from empty", nil, []byte("new")},
		{"to empty", []byte("old"), nil},
		{"long insert", []byte("ab"), append(append([]byte("a"), random(1000)...), 'b')},
		{"copies of 64 KiB and more", big, append(append(bytes.Clone(big[:200<<10]), "changed"...), big[200<<10+7:]...)},
		{"exactly 64 KiB", big[:1<<16], append(bytes.Clone(big[:1<<16]), 'x')},
		{"offset past 16 MiB bits", append(make([]byte, 1<<24), "tail"...), append([]byte("head"), append(make([]byte, 1<<24), "tail"...)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := applyDelta(tc.base, makeDelta(tc.base, tc.target))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tc.target) {
				t.Errorf("applyDelta made %d bytes, want the %d of the target", len(got), len(tc.target))
			}
		})
	}
}

func TestApplyDeltaRefuses(t *testing.T) {
	base := []byte("0123456789")
	for _, tc := range []struct {
		name  string
		delta []byte
	}{
		{"empty", nil},
		{"base size differs", []byte{11, 3, 3, 'a', 'b', 'c'}},
		{"result larger than said", []byte{10, 2, 3, 'a', 'b', 'c'}},
		{"result smaller than said", []byte{10, 4, 3, 'a', 'b', 'c'}},
		{"insert past the end", []byte{10, 3, 5, 'a', 'b'}},
		{"copy past the base", []byte{10, 5, 0x91, 8, 5}},
		{"copy truncated", []byte{10, 5, 0x91, 8}},
		{"instruction 0", []byte{10, 1, 0}},
		{"endless size", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := applyDelta(base, tc.delta); err == nil {
				t.Errorf("applyDelta = %q, want an error", got)
			}
		})
	}
}

func TestParseTree(t *testing.T) {
	id := hash{1, 2, 3}
	data := append([]byte("100644 a.txt\x00"), id[:]...)
	data = append(data, append([]byte("40000 dir\x00"), id[:]...)...)
	entries, err := parseTree(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0] != (treeEntry{modeFile, "a.txt", id}) || entries[1] != (treeEntry{modeTree, "dir", id}) {
		t.Errorf("parseTree = %v", entries)
	}
	for _, bad := range []string{"100644 a.txt\x00short", "100644 a.txt", "1o0644 a\x00" + string(id[:]), "100644\x00 a" + string(id[:])} {
		if _, err := parseTree([]byte(bad)); err == nil {
			t.Errorf("parseTree(%q) succeeded, want an error", bad)
		}
	}
}

// FuzzApplyDelta checks that no delta makes applyDelta panic or return
// other than the size it declares.
func FuzzApplyDelta(f *testing.F) {
	f.Add([]byte("alpha beta"), makeDelta([]byte("alpha beta"), []byte("alpha gamma beta")))
	f.Add([]byte{}, []byte{0, 3, 3, 'a', 'b', 'c'})
	f.Add([]byte("0123456789"), []byte{10, 5, 0x91, 8, 5})
	f.Fuzz(func(t *testing.T, base, delta []byte) {
		out, err := applyDelta(base, delta)
		if err != nil {
			return
		}
		// The second number of the header is the result's size.
		rest := delta
		for rest[0]&0x80 != 0 {
			rest = rest[1:]
		}
		rest = rest[1:]
		size, shift := 0, 0
		for {
			size |= int(rest[0]&0x7f) << shift
			shift += 7
			if rest[0]&0x80 == 0 {
				break
			}
			rest = rest[1:]
		}
		if len(out) != size {
			t.Errorf("applyDelta made %d bytes, the delta says %d", len(out), size)
		}
	})
}

// FuzzParseIndex checks that no index file makes parseIndex panic.
func FuzzParseIndex(f *testing.F) {
	dir := f.TempDir()
	for _, v := range []int{2, 3, 4} {
		r := newFakeRepo(f, filepath.Join(dir, strconv.Itoa(v)))
		r.version = v
		r.files(map[string]string{"a.txt": "a", "dir/b.txt": "b", "dir/sub/c.txt": "c"})
		r.commit("x")
		data, err := os.ReadFile(filepath.Join(r.gitDir, "index"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := parseIndex(data)
		if err == nil && idx == nil {
			t.Error("parseIndex returned neither an index nor an error")
		}
	})
}
