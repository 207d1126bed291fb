//go:build linux

package command

// The programs the tests run are this test binary, run again with
// COMMAND_TEST_HELPER=1: TestMain then runs its arguments as a
// script of actions instead of the tests, so the tests need no Python (one
// test uses python3 when it is there, and skips otherwise) and each
// program is a readable list:
//
//	out:TEXT        print TEXT and a newline to stdout
//	outq:QUOTED     write the Go-quoted bytes to stdout (no newline added)
//	err:TEXT        print TEXT and a newline to stderr
//	errflood:N      write N bytes of numbered lines to stderr
//	logflood        print log lines to stdout forever
//	longline        write one endless line to stdout
//	forever:TEXT    print TEXT as a line to stdout forever
//	gd:A,X,G,W,FMT  gradient descent with alpha A, input X, goal G, weight W,
//	                printing rows forever as FMT: json, print (the lesson's
//	                printout), noweight (json without weight)
//	sleep:DUR       sleep
//	exit:N          exit with status N
//	pid:FILE        write "pid pgid" to FILE
//	ignoreterm:FILE append "TERM\n" to FILE on each SIGTERM, and carry on
//	child:FILE      start a child (same group, same stdout and stderr) that
//	                writes its pid to FILE and sleeps a minute
//	daemon:FILE     the same, but the child calls setsid first
//	dump:FILE       write the argv and the SWEEP_ environment to FILE, and
//	                exit 0: the arguments after it are only to be written
//	runner:FILE     run Program{[self, pid:FILE, sleep:60s]} with Run, as
//	                sweep would (for the kill -9 test)
//	runnerchild:FILE the same with a program that first starts a child:
//	                Program{[self, child:FILE.child, pid:FILE, sleep:60s]}

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/internal/grid"
	"sweep/internal/pyfloat"
)

const helperEnv = "COMMAND_TEST_HELPER" // not SWEEP_: sweep gives a program no SWEEP_ variable but its parameters

// exe is the path of this test binary.
var exe string

func TestMain(m *testing.M) {
	var err error
	if exe, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The test binary run as a test (by go test, or as a fuzzing worker)
	// has -test. flags, which no helper script has.
	if os.Getenv(helperEnv) == "1" && (len(os.Args) < 2 || !strings.HasPrefix(os.Args[1], "-test.")) {
		os.Exit(helperMain(os.Args[1:]))
	}
	os.Setenv(helperEnv, "1")
	code := m.Run()
	// Every program the tests ran has been reaped.
	if z := zombieChildren(); len(z) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: zombie children %v after the tests\n", z)
		code = 1
	}
	os.Exit(code)
}

// braces escapes { and } for an argv: the tests' scripts are full of JSON.
func braces(s string) string {
	return strings.NewReplacer("{", "{{", "}", "}}").Replace(s)
}

func helperMain(script []string) int {
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	defer out.Flush()
	for _, action := range script {
		verb, arg, _ := strings.Cut(action, ":")
		switch verb {
		case "out":
			fmt.Fprintln(out, arg)
		case "outq":
			s, err := strconv.Unquote(arg)
			if err != nil {
				panic(err)
			}
			out.WriteString(s)
		case "err":
			out.Flush()
			fmt.Fprintln(os.Stderr, arg)
		case "errflood":
			n, _ := strconv.Atoi(arg)
			w := bufio.NewWriterSize(os.Stderr, 64<<10)
			for i := 0; n > 0; i++ {
				k, _ := fmt.Fprintf(w, "stderr line %d\n", i)
				n -= k
			}
			w.Flush()
		case "logflood":
			for i := 0; ; i++ {
				if _, err := fmt.Fprintf(out, "log line %d of a program that talks too much\n", i); err != nil {
					return 1
				}
			}
		case "longline":
			chunk := strings.Repeat("a", 4096)
			for {
				if _, err := out.WriteString(chunk); err != nil {
					return 1
				}
			}
		case "forever":
			for {
				if _, err := fmt.Fprintln(out, arg); err != nil {
					return 1
				}
			}
		case "gd":
			f := strings.Split(arg, ",")
			num := func(s string) float64 {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					panic(err)
				}
				return v
			}
			gradientDescent(out, num(f[0]), num(f[1]), num(f[2]), num(f[3]), f[4])
			return 0
		case "sleep":
			out.Flush()
			d, err := time.ParseDuration(arg)
			if err != nil {
				panic(err)
			}
			time.Sleep(d)
		case "exit":
			out.Flush()
			n, _ := strconv.Atoi(arg)
			return n
		case "pid":
			pgid, _ := syscall.Getpgid(0)
			writeFile(arg, fmt.Sprintf("%d %d\n", os.Getpid(), pgid))
		case "ignoreterm":
			c := make(chan os.Signal, 1)
			signal.Notify(c, syscall.SIGTERM)
			go func() {
				for range c {
					f, _ := os.OpenFile(arg, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
					f.WriteString("TERM\n")
					f.Close()
				}
			}()
		case "child", "daemon":
			out.Flush()
			cmd := exec.Command(exe, "pid:"+arg, "sleep:60s")
			cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
			if verb == "daemon" {
				cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			}
			if err := cmd.Start(); err != nil {
				panic(err)
			}
			waitFile(arg)
		case "dump":
			var env []string
			for _, kv := range os.Environ() {
				if strings.HasPrefix(kv, "SWEEP_") && !strings.HasPrefix(kv, helperEnv+"=") {
					env = append(env, kv)
				}
			}
			sort.Strings(env)
			writeFile(arg, strings.Join(os.Args[1:], "\n")+"\n--\n"+strings.Join(env, "\n")+"\n")
			return 0 // the arguments after dump are only for the dump
		case "runner", "runnerchild":
			p := Program{Argv: []string{exe, "pid:" + arg, "sleep:60s"}}
			if verb == "runnerchild" {
				p.Argv = []string{exe, "child:" + arg + ".child", "pid:" + arg, "sleep:60s"}
			}
			o, err := p.Run(context.Background(), nil, grid.Limits{Iterations: 10, Tolerance: 1e-3, Divergence: 1e6}, 1, nil)
			fmt.Fprintln(out, o, err)
		default:
			panic("helper: unknown action " + action)
		}
	}
	return 0
}

func writeFile(path, s string) {
	// Write then rename, so that a reader never sees half the file.
	if err := os.WriteFile(path+".tmp", []byte(s), 0o644); err != nil {
		panic(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		panic(err)
	}
}

func waitFile(path string) {
	for range 1000 {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	panic("helper: no " + path)
}

// gradientDescent prints the rows of runner.Trainer's gradient descent,
// computed in the same order, forever (until stdout is closed).
func gradientDescent(out *bufio.Writer, alpha, input, goal, w float64, format string) {
	for i := 0; ; i++ {
		pred := float64(input * w)
		delta := pred - goal
		errv := delta * delta
		wd := input * delta
		var err error
		switch format {
		case "json":
			_, err = fmt.Fprintf(out, `{"step": %d, "weight": %s, "pred": %s, "error": %s, "delta": %s, "weight_delta": %s, "alpha": %s}`+"\n",
				i, jsonFloat(w), jsonFloat(pred), jsonFloat(errv), jsonFloat(delta), jsonFloat(wd), jsonFloat(alpha))
		case "noweight":
			_, err = fmt.Fprintf(out, `{"error": %s, "prediction": %s}`+"\n", jsonFloat(errv), jsonFloat(pred))
		case "print":
			_, err = fmt.Fprintf(out, "Error:%s Prediction:%s Weight:%s Delta:%s Weight Delta:%s\n",
				pyfloat.Repr(errv), pyfloat.Repr(pred), pyfloat.Repr(w), pyfloat.Repr(delta), pyfloat.Repr(wd))
		default:
			panic("helper: unknown format " + format)
		}
		if err != nil {
			return
		}
		w = w - float64(alpha*wd)
	}
}

// jsonFloat writes v as Python's json.dumps does.
func jsonFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Infinity"
	case math.IsInf(v, -1):
		return "-Infinity"
	}
	return pyfloat.Repr(v)
}
