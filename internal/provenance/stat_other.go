//go:build !linux

package provenance

import "io/fs"

// statOf returns the stat data of fi that the index records, as far as
// this system's fs.FileInfo tells it portably: the mtime and size, which
// is what git itself compares on Windows.
func statOf(fi fs.FileInfo) stat {
	st := stat{size: uint32(fi.Size())}
	st.mtimeSec, st.mtimeNsec = timeParts(fi.ModTime().Unix(), fi.ModTime().Nanosecond())
	return st
}
