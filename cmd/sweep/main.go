// Sweep runs learning-rate sweeps of the one-weight network and stores every
// run's trace and verdict in SQLite.
//
// Usage:
//
//	sweep run [--db PATH] [--jobs N] [--trace all|none|every:N] FILE
//	sweep ls [--db PATH]
//	sweep query [--db PATH] [--format table|csv|json|jsonl] SQL
//	sweep show [--db PATH] [--head N] [--tail N] RUN_ID
//	sweep export [--db PATH] [--format csv|jsonl] (--runs|--trace) [--where SQL] [--out FILE]
//	sweep check [--db PATH] [--sweep NAME] --against B
//	sweep merge --db OUT IN...
//	sweep report [--db PATH] [--sweep ID] [--runs IDS] [--out FILE]
//	sweep plot [--db PATH] [--sweep ID] [--runs IDS] (--png|--svg|--pdf FILE) map|frontier|curves
//	sweep refine [--db PATH] [--sweep ID] [--precision P]
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
	"fmt"
	"io"
	"os"
	"os/signal"
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

const usage = `sweep runs learning-rate sweeps and stores every trace and verdict in SQLite.

Usage:
  sweep run [--db PATH] [--jobs N] [--trace all|none|every:N] FILE
        run every config of a sweep file into a database
  sweep ls [--db PATH]
        list the sweeps in a database
  sweep query [--db PATH] [--format table|csv|json|jsonl] SQL
        run one read-only SQL statement and print its rows
  sweep show [--db PATH] [--head N] [--tail N] RUN_ID
        print one run and its trace as the book does
  sweep export [--db PATH] [--format csv|jsonl] (--runs|--trace) [--where SQL] [--out FILE]
        stream runs or trace rows as CSV or JSON Lines
  sweep check [--db PATH] [--sweep NAME] --against B
        fail (exit 1) when a verdict differs from database or CSV B
  sweep merge --db OUT IN...
        combine the databases of a sweep's shards into one
  sweep report [--db PATH] [--sweep ID] [--runs IDS] [--out FILE]
        write the stability map, frontier and error curves as one HTML file
  sweep plot [--db PATH] [--sweep ID] [--runs IDS] (--png|--svg|--pdf FILE) map|frontier|curves
        draw one chart as a PNG, SVG or PDF file
  sweep refine [--db PATH] [--sweep ID] [--precision P]
        bisect the rate to find the edges of convergence, divergence and overshoot

The database is results/sweep.db unless --db says otherwise.
Run 'sweep COMMAND -h' for the flags of a command. Examples are in experiments/.
`

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

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitTrouble
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return runSweep(ctx, rest, stdout, stderr)
	case "query":
		return runQuery(ctx, rest, stdin, stdout, stderr)
	case "show":
		return runShow(ctx, rest, stdout, stderr)
	case "ls":
		return runLs(ctx, rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, stdout, stderr)
	case "merge":
		return runMerge(ctx, rest, stdout, stderr)
	case "report":
		return runReport(ctx, rest, stdout, stderr)
	case "plot":
		return runPlot(ctx, rest, stdout, stderr)
	case "refine":
		return runRefine(ctx, rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		return report(stderr, usageError{
			msg:  fmt.Sprintf("unknown command %q", cmd),
			hint: "run 'sweep help' for the list of commands",
		})
	}
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
