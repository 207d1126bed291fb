//go:build unix && !linux

package command

import "syscall"

// sysProcAttr puts the program in a process group of its own. There is no
// Pdeathsig outside Linux: a program outlives a sweep killed by kill -9.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// waitNoReap reports false: there is no portable waitid with WNOWAIT.
func waitNoReap(pid int) bool { return false }
