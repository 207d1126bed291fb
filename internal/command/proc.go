package command

// This file owns the program's process: it starts it in a process group of
// its own, reaps it, and kills what it leaves behind. Each program gets one
// goroutine, locked to its OS thread from before Start until the program is
// reaped: on Linux, Pdeathsig (which kills the program if sweep dies) fires
// when the *thread* that started the child exits, not the process
// (golang/go#27505). Go ends a thread when a goroutine that locked it exits
// without unlocking; while our goroutine holds the thread no other goroutine
// can run on it, so nothing can end it under the program, and after the
// reap it goes back to the pool.

import (
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"
)

// testHookStarted, when set, is called by the goroutine that started a
// program, after Start (TestRunSurvivesThreadExits).
var testHookStarted func()

// proc is one started program.
type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex // orders signals before the reap, after which the pid may be reused
	reaped bool
	exited chan struct{} // closed once the program has exited
	done   chan struct{} // closed once it is reaped and its group is killed
	state  *os.ProcessState
	err    error // from Wait, when state is nil
}

// startProc starts cmd and returns it running, or the error of Start.
func startProc(cmd *exec.Cmd) (*proc, error) {
	p := &proc{cmd: cmd, exited: make(chan struct{}), done: make(chan struct{})}
	started := make(chan error, 1)
	go p.run(started)
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

func (p *proc) run(started chan<- error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := p.cmd.Start(); err != nil {
		started <- err
		return
	}
	pid := p.cmd.Process.Pid // and the group's id (guard_unix.go)
	guardGroup(pid, true)
	started <- nil
	if testHookStarted != nil {
		testHookStarted()
	}
	var err error
	if waitNoReap(p.cmd.Process.Pid) {
		// The program is a zombie, so its pid, and with it the group's id,
		// cannot be reused yet: kill what is left of the group, then reap.
		close(p.exited)
		p.mu.Lock()
		killGroup(p.cmd.Process, true)
		err = p.cmd.Wait()
		p.reaped = true
		p.mu.Unlock()
	} else {
		// No way to wait without reaping here: the group is killed just
		// after the reap, which, if the group is empty by then, could
		// reach a new group that reused the id in between.
		err = p.cmd.Wait()
		close(p.exited)
		p.mu.Lock()
		killGroup(p.cmd.Process, true)
		p.reaped = true
		p.mu.Unlock()
	}
	guardGroup(pid, false)
	p.state = p.cmd.ProcessState
	if p.state == nil {
		p.err = err
	}
	close(p.done)
}

// signal sends SIGTERM (or, when hard, SIGKILL) to the program's process
// group, unless the program is reaped.
func (p *proc) signal(hard bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.reaped {
		killGroup(p.cmd.Process, hard)
	}
}

// stop ends the program: SIGTERM to its group, SIGKILL once grace has
// passed or the program has exited, whichever is first, and the reap.
func (p *proc) stop(grace time.Duration) {
	p.signal(false)
	t := time.NewTimer(grace)
	select {
	case <-p.exited: // run kills the rest of the group
	case <-t.C:
		p.signal(true)
	}
	t.Stop()
	<-p.done
}
