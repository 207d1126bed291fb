package provenance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkGitCommit times GitCommit on a repository of 5,000 files of
// 2 KiB in 250 directories: clean (a stat of each file and one object
// read); without a cache tree and packed with deltas (every tree read
// too); and after every file was touched (every file hashed).
func BenchmarkGitCommit(b *testing.B) {
	for _, bc := range []struct {
		name string
		prep func(b *testing.B, r *fakeRepo)
	}{
		{"clean", func(b *testing.B, r *fakeRepo) {}},
		{"no cache tree, packed", func(b *testing.B, r *fakeRepo) {
			r.noTree = true
			r.writeIndex()
			r.repack(packOptions{deltas: true})
		}},
		{"every file touched", func(b *testing.B, r *fakeRepo) {
			later := time.Now().Add(time.Hour)
			for name := range r.entries {
				if err := os.Chtimes(filepath.Join(r.work, name), later, later); err != nil {
					b.Fatal(err)
				}
			}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			r := newFakeRepo(b, dir)
			files := map[string]string{}
			for i := range 5000 {
				files[fmt.Sprintf("d%02d/e%02d/f%d.txt", i%25, i%10, i)] = strings.Repeat(fmt.Sprintf("line %d\n", i), 2048/8)
			}
			r.files(files)
			head := r.commit("5,000 files").String()
			bc.prep(b, r)
			for b.Loop() {
				if got, err := GitCommit(context.Background(), dir); got != head || err != nil {
					b.Fatalf("GitCommit = %q, %v; want %q", got, err, head)
				}
			}
		})
	}
}

// BenchmarkNotARepository times GitCommit outside git: a stat of .git in
// each directory up to the root.
func BenchmarkNotARepository(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "a", "b", "c")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if got, _ := GitCommit(context.Background(), dir); got != "" {
			b.Fatalf("GitCommit = %q, want \"\"", got)
		}
	}
}
