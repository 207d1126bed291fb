//go:build !unix

package command

// guardGroup does nothing: without process groups there is no group to
// guard (guard_unix.go).
func guardGroup(pgid int, started bool) {}
