package provenance

import (
	"io/fs"
	"syscall"
)

// statOf returns the stat data of fi that the index records. On Linux
// that includes the ctime and inode, which git compares too: a file
// replaced by another (a checkout, an editor's rename) with the same size
// and mtime is still hashed.
func statOf(fi fs.FileInfo) stat {
	st := stat{size: uint32(fi.Size())}
	st.mtimeSec, st.mtimeNsec = timeParts(fi.ModTime().Unix(), fi.ModTime().Nanosecond())
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ctimeSec, st.ctimeNsec = uint32(sys.Ctim.Sec), uint32(sys.Ctim.Nsec)
		st.ino = uint32(sys.Ino)
		st.full = true
	}
	return st
}
