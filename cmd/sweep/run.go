package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"slices"
	"syscall"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"sweep/internal/command"
	"sweep/internal/expect"
	"sweep/internal/grid"
	"sweep/internal/provenance"
	"sweep/internal/runner"
	"sweep/internal/shard"
	"sweep/internal/store"
)

// defaultMaxConfigs is the largest grid sweep run accepts without
// --max-configs: ten times the largest reference workload.
const defaultMaxConfigs = 20_000_000

const runUsage = `Usage: sweep run [--db PATH] [--jobs N] [--trace all|none|every:N] [--max-configs N] [--shard I/N] [--shards N] [--retry-failed] [--junit FILE] [--json FILE] FILE

Runs every config of the sweep file FILE and stores each run's trace and
verdict in the database. Running the same file into the same database again
runs only the configs that are missing. Then checks the file's expect:
section and exits 1 if an expectation fails. Flags may come before or after
FILE. --shard I/N runs only the I-th of N parts of the grid (sweep merge
combines them); without it, a Slurm job array's SLURM_ARRAY_TASK_ID, or a
Kubernetes Indexed Job's JOB_COMPLETION_INDEX with --shards N, picks it.
A program's failed runs (method: command) count as stored, like any
verdict; --retry-failed runs them again.

Flags:
`

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	dbPath := dbFlag(fs)
	jobs := fs.Int("jobs", runtime.NumCPU(), "how many configs to train at once")
	trace := fs.String("trace", "", "trace rows to store, overriding the sweep file: all, none or every:N")
	maxConfigs := fs.Int64("max-configs", defaultMaxConfigs, "refuse a grid of more `configs` than this (a guard against typos)")
	shardFlag := fs.String("shard", "", "run only shard `I/N` of the grid (e.g. 2/4)")
	shards := fs.Int("shards", 0, "the number of shards, when the shard index comes from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)")
	junit := fs.String("junit", "", "write the expectations as JUnit XML to `FILE`")
	jsonOut := fs.String("json", "", "write a machine-readable summary to `FILE`")
	retry := fs.Bool("retry-failed", false, "run a program's failed runs again (of the shard that runs), instead of keeping them as stored")
	files, code, done := parseCommand(fs, args, runUsage, stdout, stderr)
	if done {
		return code
	}
	switch {
	case len(files) == 0:
		return report(stderr, usageError{msg: "run needs a sweep file", hint: "sweep run experiments/alpha.yaml"})
	case len(files) > 1:
		return report(stderr, usageError{msg: fmt.Sprintf("run takes one sweep file, got %d: %v", len(files), files),
			hint: "run them one after another; they can share a --db"})
	case *jobs < 1:
		return report(stderr, usageError{msg: fmt.Sprintf("--jobs %d: want at least 1", *jobs),
			hint: fmt.Sprintf("leave it out to use every CPU (%d here)", runtime.NumCPU())})
	case *maxConfigs < 1 || *maxConfigs > grid.MaxConfigs:
		return report(stderr, usageError{msg: fmt.Sprintf("--max-configs %d: want 1 to %d", *maxConfigs, grid.MaxConfigs),
			hint: fmt.Sprintf("no sweep holds more than %d configs; split a larger grid into several sweep files", grid.MaxConfigs)})
	}
	file := files[0]

	data, err := readInput(ctx, file, sweepFileLimits)
	var openErr *os.PathError
	switch {
	case errors.As(err, &openErr):
		return report(stderr, usageError{msg: fmt.Sprintf("read sweep file: %v", err),
			hint: "the sweep files that come with sweep are in experiments/"})
	case err != nil:
		return report(stderr, err) // too large, a directory, or interrupted
	}
	spec, err := grid.Parse(file, data)
	if err != nil {
		return report(stderr, err)
	}
	if n := spec.Len(); n > *maxConfigs {
		return report(stderr, grid.Errors{{File: file, Line: spec.GridLine, Col: spec.GridCol,
			Msg:  fmt.Sprintf("grid: %d configs, more than --max-configs %d", n, *maxConfigs),
			Hint: fmt.Sprintf("raise --max-configs (up to %d) if you mean it, or use coarser axes", grid.MaxConfigs)}})
	}
	if *trace != "" {
		if spec.Trace, err = grid.ParseTraceStorage(*trace); err != nil {
			return report(stderr, usageError{msg: "--trace: " + err.Error(), hint: "--trace all, --trace none or --trace every:10"})
		}
	}
	part, err := pickShard(*shardFlag, *shards)
	if err != nil {
		return report(stderr, err)
	}
	if err := checkOutputs(*dbPath, []string{file}, [2]string{"--junit", *junit}, [2]string{"--json", *jsonOut}); err != nil {
		return report(stderr, err)
	}
	if err := validateExpectations(ctx, file, spec); err != nil {
		return report(stderr, err)
	}
	var prog command.Program
	if spec.Method == grid.Command {
		if prog, err = program(file, spec); err != nil {
			return report(stderr, err)
		}
	}
	st, err := store.Open(ctx, *dbPath)
	if err != nil {
		return report(stderr, err)
	}
	defer st.Close()
	return execute(ctx, st, spec, file, outputs{prog: prog, jobs: *jobs, shard: part, retryFailed: *retry, junit: *junit, json: *jsonOut}, stdout, stderr)
}

// validateExpectations refuses, before anything runs or any file is
// touched, sql expectations that would write or that do not compile
// against the schema (every database this binary writes has it).
func validateExpectations(ctx context.Context, file string, spec *grid.Spec) error {
	if !slices.ContainsFunc(spec.Expect, func(e grid.Expectation) bool { return e.SQL != "" }) {
		return nil
	}
	r, err := store.SchemaReader(ctx)
	if err != nil {
		return err
	}
	defer r.Close()
	return expect.Validate(ctx, r, file, spec.Expect)
}

// pickShard returns the shard to run: --shard when given, else the one a
// batch system's environment names, else the whole sweep.
func pickShard(flagValue string, shards int) (shard.Shard, error) {
	if flagValue != "" {
		s, err := shard.Parse(flagValue)
		if err != nil {
			return s, usageError{msg: "--shard: " + err.Error(), hint: "--shard 1/4 runs the first of four shards"}
		}
		return s, nil
	}
	s, ok, err := shard.FromEnv(os.Getenv, shards)
	switch {
	case err != nil:
		return s, usageError{msg: err.Error(), hint: "--shard I/N overrides the environment"}
	case !ok && shards > 0:
		return s, usageError{msg: "--shards is given but JOB_COMPLETION_INDEX is not set",
			hint: "--shards goes with a Kubernetes Indexed Job; elsewhere use --shard I/N"}
	case !ok:
		return shard.All, nil
	}
	return s, nil
}

// outputs are the options of sweep run that say how to run and what to
// write besides the summary.
type outputs struct {
	prog        command.Program // what a sweep of method command runs
	retryFailed bool            // run a program's failed runs again
	jobs        int
	shard       shard.Shard
	junit       string // JUnit XML of the expectations, when not ""
	json        string // the summary as JSON, when not ""
}

// parseArgs parses flags wherever they stand among the positional
// arguments, which it returns: "run FILE --db x" works like "run --db x FILE".
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard) // errors are reported in the house voice
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional, args = append(positional, args[0]), args[1:]
	}
}

// execute runs the configs of spec that the database does not hold yet and
// prints the summary.
func execute(ctx context.Context, st *store.Store, spec *grid.Spec, file string, out outputs, stdout, stderr io.Writer) int {
	shardName := ""
	from, to := int64(0), spec.Len()
	if out.shard.N > 1 {
		shardName = out.shard.String()
		from, to = out.shard.Range(spec)
	}
	start := time.Now()
	p := provenance.Collect(file, os.Args)
	sw, err := st.StartSweepBy(ctx, spec, file, shardName, store.Provenance{
		SweepVersion: p.SweepVersion, Host: p.Host, GitCommit: p.GitCommit, Command: p.Command})
	if err != nil {
		return report(stderr, err)
	}
	if out.retryFailed {
		// Before reuse, which never copies a failed run: the configs come
		// from another sweep when it has them, else they run.
		n, err := st.ForgetFailed(ctx, sw, from, to)
		if err != nil {
			st.FinishSweep(context.WithoutCancel(ctx), sw.ID, store.StatusFailed, from, to)
			return report(stderr, err)
		}
		if n > 0 {
			fmt.Fprintf(stderr, "sweep %s: %s to run again\n", spec.Name, plural(n, "failed run"))
		}
	}
	// A config another sweep of the database stored is not run again.
	reused, err := st.Reuse(ctx, sw, spec, from, to)
	switch {
	case err != nil && ctx.Err() != nil:
		// Ctrl-C while copying: the copy is rolled back whole, and the
		// sweep ends as interrupted below, with nothing run.
		reused = 0
	case err != nil:
		st.FinishSweep(context.WithoutCancel(ctx), sw.ID, store.StatusFailed, from, to)
		return report(stderr, err)
	}
	remaining := int64(0)
	for i := from; i < to; i++ {
		if !sw.Done(i) {
			remaining++
		}
	}
	todo := func(yield func(grid.Config) bool) {
		for i := from; i < to; i++ {
			if !sw.Done(i) && !yield(spec.Config(i)) {
				return
			}
		}
	}
	bar := newProgress(stderr, spec.Name, remaining)
	written, err := pipeline(ctx, st, sw, todo, spec, out.prog, out.jobs, bar.update)
	elapsed := time.Since(start)
	bar.finish()

	// The sweep's end is recorded even after Ctrl-C: ctx is canceled by
	// then, but what finished is committed and the status must say so.
	after := context.WithoutCancel(ctx)
	interrupted := ctx.Err() != nil
	status := store.StatusDone
	switch {
	case interrupted:
		status = store.StatusInterrupted
	case err != nil:
		status = store.StatusFailed
	}
	if ferr := st.FinishSweep(after, sw.ID, status, from, to); ferr != nil && err == nil {
		err = ferr
	}
	if err != nil && !interrupted {
		return report(stderr, err)
	}
	// The database has the counts, whoever stored the runs (this run,
	// an earlier one, another process), in run_counts: the summary reads
	// a few rows for each rate it shows, so that it costs milliseconds
	// even on a million rates, after Ctrl-C too.
	rates, serr := st.SummarizeRates(after, sw, spec.Axes[0].Values, summaryHead, summaryTail)
	if serr != nil {
		return report(stderr, serr)
	}
	total := rates.Stored
	sum := summary{
		spec: spec, db: st.Path(), sweepID: sw.ID, stored: total, before: sw.Stored - reused,
		ranNow: written, reused: reused, elapsed: elapsed, rates: rates, shard: shardName, shardFrom: from, shardTo: to,
		nothingToRun: remaining == 0 && reused == 0,
		eachRate: func(yield func(store.RateCounts) error) error {
			return st.EachRate(after, sw, spec.Axes[0].Values, yield)
		},
	}
	printSummary(stdout, sum)
	if interrupted {
		printError(stderr, fmt.Sprintf("interrupted: %d of %d configs stored", total, sw.Configs),
			"run the same command again to finish the rest; nothing stored is run twice")
		var sig signalError
		if errors.As(context.Cause(ctx), &sig) {
			return 128 + int(sig.sig)
		}
		return 128 + int(syscall.SIGINT)
	}
	// The file's refine: comes after the grid (it brackets on the grid's
	// results) and before the expectations, which may ask about the edges.
	if spec.Refine > 0 && shardName == "" {
		g, err := st.LoadSweep(after, sw.ID)
		if err != nil {
			return report(stderr, err)
		}
		if code := refineSweep(ctx, st, g, spec, spec.Refine, stdout, stderr); code != exitOK {
			return code
		}
	}
	return checkExpectations(ctx, st.Path(), sw.ID, sum, out, stdout, stderr)
}

// checkExpectations checks the sweep's expect: section, prints the report,
// writes the JUnit and JSON files asked for, and returns exitFailed when an
// expectation failed.
func checkExpectations(ctx context.Context, db string, sweepID int64, sum summary, out outputs, stdout, stderr io.Writer) int {
	var results []expect.Result
	switch {
	case len(sum.spec.Expect) > 0 && sum.shard != "":
		// A shard holds part of the sweep; its expectations are about the
		// whole, and are checked on the merged database.
		fmt.Fprintf(stdout, "expectations: not checked on shard %s; run the file on the merged database to check them\n", sum.shard)
	case len(sum.spec.Expect) > 0:
		r, err := store.OpenReader(ctx, db)
		if err != nil {
			return report(stderr, err)
		}
		results, err = expect.Check(ctx, r, sweepID, sum.spec.Expect)
		r.Close()
		if interrupted(err) {
			return report(stderr, err)
		}
		if err != nil {
			return report(stderr, usageError{msg: err.Error(), hint: "an sql expectation must be one read-only statement; :sweep stands for the sweep's id"})
		}
		expect.Print(stdout, sum.spec.RateAxis(), results)
	}
	if out.junit != "" {
		err := writeFileAtomically(out.junit, func(w io.Writer) error {
			return expect.WriteJUnit(w, sum.spec.Name, sum.spec.RateAxis(), results)
		})
		if err != nil {
			return report(stderr, err)
		}
	}
	if out.json != "" {
		if err := writeFileAtomically(out.json, func(w io.Writer) error { return writeJSONSummary(w, sum, results) }); err != nil {
			return report(stderr, err)
		}
	}
	if n := expect.Failed(results); n > 0 {
		printError(stderr, fmt.Sprintf("%d of %d expectations failed", n, len(results)),
			"the report above lists each failed one with the runs that broke it")
		return exitFailed
	}
	return exitOK
}

// pipeline trains configs on jobs workers while one writer stores the
// results, and returns how many runs it stored and their verdict counts per
// learning rate. Cancelling ctx stops the workers; what they finished is
// still committed.
func pipeline(ctx context.Context, st *store.Store, sw *store.Sweep, configs iter.Seq[grid.Config], spec *grid.Spec, prog command.Program,
	jobs int, progress func(int64)) (int64, error) {
	storage := spec.Trace
	// Each worker encodes its runs' traces as it trains them, keeping the
	// one writer free to write, and hands them over through a queue that
	// holds at most store.QueueBytes: memory stays the same whatever the
	// iterations, configs and trace storage (issue 11).
	q := store.NewQueue(store.QueueBytes)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer q.Close()
		if spec.Method == grid.Command {
			return runPrograms(gctx, prog, spec, configs, jobs, q)
		}
		return runner.Sweep(gctx, configs, jobs, storage.Every, func() runner.Sink { return q.Sender(storage) })
	})
	var written int64
	g.Go(func() error {
		return st.WriteQueue(gctx, sw, q, func(recs []*store.Record) {
			for _, r := range recs {
				if !r.TraceOnly { // else a chunk of a program's trace, not yet its run
					written++
				}
			}
			progress(written)
		})
	})
	err := g.Wait()
	return written, err
}

type summary struct {
	spec    *grid.Spec
	db      string
	sweepID int64
	stored  int64 // runs of the sweep in the database now
	before  int64 // runs stored before this invocation
	ranNow  int64
	reused  int64 // runs copied from other sweeps of the database
	elapsed time.Duration
	rates   store.RateSummary // the rates shown, and how many have runs
	// eachRate yields the counts of every rate with runs, in sweep order.
	eachRate func(yield func(store.RateCounts) error) error
	// shard is "I/N" when one shard ran, holding configs [shardFrom, shardTo).
	shard              string
	shardFrom, shardTo int64
	nothingToRun       bool // every config of the run's scope was stored before
}

// The run summary lists at most summaryHead+summaryTail rates of a sweep
// (and all of them when only one more would be left out).
const summaryHead, summaryTail = 20, 5

// printSummary writes the end-of-sweep report: how much ran, how fast, the
// verdict counts per learning rate, and where the results are.
func printSummary(w io.Writer, s summary) {
	total := s.spec.Len()
	fmt.Fprintf(w, "sweep %s: %d of %d configs stored", s.spec.Name, s.stored, total)
	if s.shard != "" {
		fmt.Fprintf(w, " (shard %s: configs %d to %d)", s.shard, s.shardFrom, s.shardTo-1)
	}
	switch {
	case s.nothingToRun:
		fmt.Fprintf(w, "; all were stored before, nothing to run\n")
	default:
		rate := float64(s.ranNow) / max(s.elapsed.Seconds(), 1e-9)
		elapsed := s.elapsed.Round(time.Millisecond)
		if elapsed == 0 {
			elapsed = s.elapsed.Round(time.Microsecond)
		}
		if s.reused > 0 {
			fmt.Fprintf(w, "; ran %d, reused %d in %s", s.ranNow, s.reused, elapsed)
		} else {
			fmt.Fprintf(w, "; ran %d in %s (%.0f configs/s)", s.ranNow, elapsed, rate)
		}
		if s.before > 0 {
			fmt.Fprintf(w, "; %d were stored before", s.before)
		}
		fmt.Fprintln(w)
	}
	rateName, verdicts := s.spec.RateAxis(), runner.VerdictsOf(s.spec.Method)
	fmt.Fprintf(w, "verdicts per %s:\n", rateName)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\t", rateName)
	for _, v := range verdicts {
		fmt.Fprintf(tw, "%s\t", v)
	}
	fmt.Fprintln(tw)
	// A sweep of thousands of rates would print a screenful per hundred:
	// the table shows the first and last rates, and says where the rest are.
	counts, left := s.rates.Head, int64(0)
	if len(s.rates.Tail) > 0 {
		left = s.rates.Rates - int64(len(s.rates.Head)+len(s.rates.Tail))
		counts = slices.Concat(counts, []store.RateCounts{{}}, s.rates.Tail)
	}
	for i, rc := range counts {
		if left > 0 && i == len(s.rates.Head) {
			fmt.Fprintf(tw, "...\t")
			for range verdicts {
				fmt.Fprintf(tw, "...\t")
			}
			fmt.Fprintln(tw)
			continue
		}
		fmt.Fprintf(tw, "%s\t", formatFloat(rc.Rate))
		for _, v := range verdicts {
			fmt.Fprintf(tw, "%d\t", rc.Counts[v])
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if left > 0 {
		fmt.Fprintf(w, "(%d of %d rates left out; all of them: sweep query --db %s \"SELECT * FROM verdict_counts WHERE sweep_id = %d\")\n",
			left, s.rates.Rates, shellWord(s.db), s.sweepID)
	}
	fmt.Fprintf(w, "results: %s (sweep id %d)\n", s.db, s.sweepID)
}
