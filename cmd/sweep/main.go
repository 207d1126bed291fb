// Sweep runs learning-rate sweeps of the one-weight network and stores every
// run's trace and verdict in SQLite.
//
// Usage:
//
//	sweep run [flags] FILE
//	sweep ls [flags]
//	sweep query [flags] SQL
//	sweep show [flags] [RUN_ID]
//	sweep export [flags] (--runs | --trace)
//	sweep check [flags] --against B
//	sweep merge --db OUT IN...
//	sweep report [flags]
//	sweep plot [flags] map|frontier|curves
//	sweep refine [flags]
//	sweep rm [flags] SWEEP
//	sweep help [COMMAND]
//	sweep version
//
// "sweep help COMMAND" (or "sweep COMMAND -h") prints a command's usage and
// every flag it takes, each spelled as in its synopsis and the README:
// --db PATH. sweep --version prints the module version and VCS revision.
//
// A sweep file (YAML) declares a grid over alpha (or step_amount), input,
// goal and starting weight; sweep run trains every config of the cartesian
// product on a pool of workers and writes each config's per-step trace and
// its verdict (converged, diverged, oscillating, stalled, unfinished) into
// one SQLite file, results/sweep.db unless --db says otherwise. Running the
// same file again finishes only what is missing. The other commands read the
// database: ls lists its sweeps, query runs SQL on a read-only connection,
// show prints one run as the textbook prints it, export streams rows.
//
// Output policy: stdout carries results (the summary of a sweep); stderr
// carries progress, errors and hints, each error as "sweep: error: ..." and
// its hint as "sweep: hint: ...".
//
// Exit status: 0 success; 1 the sweep ran but a check failed; 2 usage,
// sweep-file or database trouble; 128+N when stopped by signal N (130 for
// Ctrl-C), after committing every finished run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"sweep/internal/grid"
	"sweep/internal/store"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailed  = 1 // the sweep ran but a check or expectation failed
	exitTrouble = 2 // usage, sweep file or database trouble
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	// A reader that stops reading (sweep query ... | head) must not kill
	// the process in the middle of writing the database: writes to the
	// closed pipe fail with EPIPE instead, and the command ends as usual.
	signal.Ignore(syscall.SIGPIPE)
	done := make(chan struct{})
	caught := make(chan syscall.Signal, 1) // the signal that stopped the command, or 0
	go func() {
		select {
		case sig := <-signals:
			// A second Ctrl-C gets the default action and ends the
			// process at once; the database stays consistent because
			// every commit is atomic.
			signal.Stop(signals)
			cancel(signalError{sig.(syscall.Signal)})
			caught <- sig.(syscall.Signal)
		case <-done:
			caught <- 0
		}
	}()
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	// A signal that arrived as the command ended still decides the exit
	// status: it must never read as success.
	signal.Stop(signals)
	close(done)
	sig := <-caught
	if sig == 0 {
		select {
		case s := <-signals:
			sig = s.(syscall.Signal)
		default:
		}
	}
	if sig != 0 {
		code = 128 + int(sig)
	}
	os.Exit(code) // the only os.Exit
}

// signalError is the cause of a context canceled by a signal.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return "stopped by " + e.sig.String() }

// commands are the subcommands in the order the usage lists them. Each
// usage text starts with "Usage: sweep NAME ...", the synopsis that the
// general usage, -h and the README share, and spells every flag the command
// takes as the command's -h prints it (see printFlags).
var commands = []struct {
	name, usage, summary string
	run                  func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}{
	{"run", runUsage, "run every config of a sweep file into a database", noStdin(runSweep)},
	{"ls", lsUsage, "list the sweeps in a database", noStdin(runLs)},
	{"query", queryUsage, "run one read-only SQL statement and print its rows", runQuery},
	{"show", showUsage, "print one run and its trace as the book does", noStdin(runShow)},
	{"export", exportUsage, "stream runs or trace rows as CSV or JSON Lines", noStdin(runExport)},
	{"check", checkUsage, "fail (exit 1) when a verdict differs from database or CSV B", noStdin(runCheck)},
	{"merge", mergeUsage, "combine the databases of a sweep's shards into one", noStdin(runMerge)},
	{"report", reportUsage, "write the stability map, frontier and error curves as one HTML file", noStdin(runReport)},
	{"plot", plotUsage, "draw one chart as a PNG, SVG or PDF file", noStdin(runPlot)},
	{"refine", refineUsage, "bisect the rate to find the edges of convergence, divergence and overshoot", noStdin(runRefine)},
	{"rm", rmUsage, "remove a sweep, its refinements, runs, traces and edges", noStdin(runRm)},
	{"help", helpUsage, "print this list, or the usage and flags of one command", nil},
	{"version", versionUsage, "print the version and VCS revision of this binary",
		func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
			return runVersion(args, stdout, stderr)
		}},
}

const helpUsage = `Usage: sweep help [COMMAND]

Prints the list of commands, or the usage and flags of COMMAND (the same as
sweep COMMAND -h).
`

const versionUsage = `Usage: sweep version

Prints the version of sweep's module and the VCS revision it was built from
("+dirty" when the tree had uncommitted changes); "(devel)" and "unknown"
when the build did not record them. sweep --version does the same.
`

// usage returns the general usage: every command's synopsis and what it does.
func usage() string {
	var b strings.Builder
	b.WriteString("sweep runs learning-rate sweeps and stores every trace and verdict in SQLite.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %s\n        %s\n", synopsis(c.usage), c.summary)
	}
	b.WriteString(`
The database is results/sweep.db unless --db says otherwise.
Run 'sweep help COMMAND' (or 'sweep COMMAND -h') for the flags of a command.
Examples are in experiments/.
`)
	return b.String()
}

// commandNames lists the commands, for hints.
func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// run runs the command args and returns its exit status: the command's, or
// 128+N when signal N stopped it, whatever the command was doing.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	code := dispatch(ctx, args, stdin, stdout, stderr)
	var sig signalError
	if errors.As(context.Cause(ctx), &sig) {
		return 128 + int(sig.sig)
	}
	return code
}

// noStdin adapts a command that reads no standard input to the table of
// commands.
func noStdin(cmd func(ctx context.Context, args []string, stdout, stderr io.Writer) int) func(context.Context, []string, io.Reader, io.Writer, io.Writer) int {
	return func(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
		return cmd(ctx, args, stdout, stderr)
	}
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return exitTrouble
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		return runHelp(ctx, rest, stdin, stdout, stderr)
	case "--version", "-version":
		return runVersion(rest, stdout, stderr)
	}
	for _, c := range commands {
		if c.name == cmd {
			return c.run(ctx, rest, stdin, stdout, stderr)
		}
	}
	return report(stderr, usageError{
		msg:  fmt.Sprintf("unknown command %q", cmd),
		hint: "run 'sweep help' for the list of commands",
	})
}

// runHelp prints the general usage, or with one argument that command's
// usage and flags, to stdout.
func runHelp(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		fmt.Fprint(stdout, usage())
		return exitOK
	case len(args) > 1:
		return report(stderr, usageError{msg: fmt.Sprintf("help takes one command, got %d arguments: %v", len(args), args),
			hint: "sweep help run"})
	case args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		fmt.Fprint(stdout, helpUsage)
		return exitOK
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, []string{"-h"}, stdin, stdout, stderr)
		}
	}
	return report(stderr, usageError{msg: fmt.Sprintf("help: unknown command %q", args[0]),
		hint: "the commands are " + commandNames() + "; run 'sweep help' for what each does"})
}

// runVersion prints the module version and VCS revision of the binary.
func runVersion(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	pos, code, done := parseCommand(fs, args, versionUsage, stdout, stderr)
	if done {
		return code
	}
	if len(pos) != 0 {
		return report(stderr, usageError{msg: fmt.Sprintf("version takes no arguments, got %v", pos), hint: "sweep version"})
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(stdout, versionLine(info))
	return exitOK
}

// versionLine says which sweep info describes: "sweep VERSION (revision
// REV[+dirty], GOVERSION)", with "(devel)" and "unknown" for what the build
// did not record (a test binary, go run, a build outside a VCS tree).
func versionLine(info *debug.BuildInfo) string {
	version, revision, dirty, goVersion := "(devel)", "unknown", "", runtime.Version()
	if info != nil {
		if v := info.Main.Version; v != "" {
			version = v
		}
		if info.GoVersion != "" {
			goVersion = info.GoVersion
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && s.Value != "":
				revision = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "+dirty"
			}
		}
	}
	return fmt.Sprintf("sweep %s (revision %s%s, %s)", version, revision, dirty, goVersion)
}

// shellWord returns s quoted for a POSIX shell when it needs to be, so that
// a command in a hint can be pasted as it is.
func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// synopsis returns the first line of a command's usage text without its
// "Usage: ", e.g. "sweep ls [--db PATH] [--format table|csv|json|jsonl]".
func synopsis(usage string) string {
	line, _, _ := strings.Cut(usage, "\n")
	return strings.TrimPrefix(line, "Usage: ")
}

// synopsisFlag matches a flag in a synopsis and the placeholder of its
// value, if it takes one: "--db PATH", "--trace all|none|every:N", "--runs".
var synopsisFlag = regexp.MustCompile(`--([a-z][a-z0-9-]*)(?:[ =]([^\s\[\]()|]+(?:\|[^\s\[\]()|]+)*))?`)

// synopsisFlags returns the flags a synopsis names, each with the
// placeholder it gives the flag's value ("" for a flag without one).
func synopsisFlags(synopsis string) map[string]string {
	flags := make(map[string]string)
	for _, m := range synopsisFlag.FindAllStringSubmatch(synopsis, -1) {
		flags[m[1]] = m[2]
	}
	return flags
}

// printFlags writes every flag of fs the way the synopsis at the top of
// usage and the README write it, "--db PATH", with its description
// indented below and its default. The flag package's own listing would
// say "-db file"; this one keeps one spelling everywhere.
func printFlags(w io.Writer, fs *flag.FlagSet, usage string) {
	placeholders := synopsisFlags(synopsis(usage))
	fs.VisitAll(func(f *flag.Flag) {
		name, desc := flag.UnquoteUsage(f)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			name = ""
		} else if p := placeholders[f.Name]; p != "" {
			name = p
		} else if name != "" {
			name = strings.ToUpper(name)
		}
		fmt.Fprintf(w, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "\n        %s", strings.ReplaceAll(desc, "\n", "\n        "))
		switch f.DefValue {
		case "", "0", "0s", "false":
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// usageError is a mistake on the command line.
type usageError struct{ msg, hint string }

func (e usageError) Error() string { return e.msg }

// report prints err in the house voice, one "sweep: error:" line per problem
// with its "sweep: hint:", and returns the exit status it calls for.
func report(stderr io.Writer, err error) int {
	var (
		specErrs grid.Errors
		fileErr  *store.FileError
		useErr   usageError
	)
	switch {
	case errors.Is(err, syscall.EPIPE):
		// The reader of stdout has gone (| head): nothing to tell it.
		return 128 + int(syscall.SIGPIPE)
	case errors.As(err, &specErrs):
		for _, e := range specErrs {
			printError(stderr, e.Error(), e.Hint)
		}
	case errors.As(err, &fileErr):
		printError(stderr, fileErr.Error(), fileErr.Hint)
	case errors.As(err, &useErr):
		printError(stderr, useErr.msg, useErr.hint)
	case interrupted(err):
		printError(stderr, "interrupted", "nothing half-done was kept; run the same command again")
	default:
		printError(stderr, err.Error(), "")
	}
	return exitTrouble
}

// interrupted reports whether err is a command stopped by a canceled
// context: a signal (see run), or SQLite interrupted in a statement.
func interrupted(err error) bool {
	var (
		serr *sqlite.Error
		sig  signalError
	)
	return errors.As(err, &sig) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &serr) && serr.Code()&0xff == sqlite3.SQLITE_INTERRUPT
}

func printError(stderr io.Writer, msg, hint string) {
	fmt.Fprintf(stderr, "sweep: error: %s\n", msg)
	if hint != "" {
		fmt.Fprintf(stderr, "sweep: hint: %s\n", hint)
	}
}
