package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"sweep/internal/command"
	"sweep/internal/grid"
	"sweep/internal/refine"
	"sweep/internal/runner"
	"sweep/internal/store"
)

// refineProgram is refineSweep for a program's sweep. The grid's runs are
// not run again (a program may take minutes): their verdicts are read
// from the database. Probes are run once each, so they cannot be counted
// by a first pass as the built-ins' are: the refinement reserves a range
// of run ids for the most probes its brackets can take, and keeps the
// number it made once it is done. Probes stored by an interrupted
// refinement are read back, not run again: refinement is deterministic.
func refineProgram(ctx context.Context, st *store.Store, g *store.GridSweep, spec *grid.Spec, precision float64, stdout, stderr io.Writer) int {
	start := time.Now()
	prog, err := program(g.File, spec)
	if err != nil {
		return report(stderr, err)
	}
	if spec.Program.Hash != g.ProgramHash {
		// The files are read where sweep run read them: relative to the
		// sweep file's directory as it was given, from where it ran.
		files, _, _ := command.Identity(prog)
		return report(stderr, usageError{
			msg: fmt.Sprintf("the program of sweep %s is not the one that ran: the files its command names (%s, in %s) changed, or are not there from this directory; its probes would be another program's",
				g.Name, strings.Join(files, ", "), filepath.Dir(g.File)),
			hint: "refine from the directory sweep run ran in (it was given " + shellWord(g.File) + "), or run the sweep file again first and refine that version"})
	}
	verdicts, err := st.Verdicts(ctx, g.ID)
	if err != nil {
		return report(stderr, err)
	}
	if int64(len(verdicts)) < spec.Len() {
		return report(stderr, usageError{
			msg:  fmt.Sprintf("sweep %s has %d of its %d runs: refine starts from every run of the grid", g.Name, len(verdicts), spec.Len()),
			hint: "run it to the end first: sweep run " + shellWord(g.File)})
	}
	kinds := refine.Kinds(spec.Method)
	bound := probeBound(spec, verdicts, kinds, precision)
	sw, err := st.StartRefinement(ctx, g, string(spec.Method), spec.Trace.Every, precision, bound)
	if err != nil {
		return report(stderr, err)
	}
	stored, err := st.Verdicts(ctx, sw.ID)
	if err != nil {
		return report(stderr, err)
	}
	q := store.NewQueue(store.QueueBytes)
	var wg errgroup.Group
	wg.Go(func() error { return st.WriteQueue(ctx, sw, q, nil) })
	sender := q.Sender(spec.Trace)
	index := spec.Indexer()
	runner := newProgramRunner(prog, spec)
	var (
		made int64 // probes made, stored before or now
		ran  int64
	)
	run := func(c grid.Config, probe bool) (refine.Outcome, error) {
		if !probe {
			i, _ := index(c)
			return refine.Outcome{Verdict: verdicts[i]}, nil
		}
		made = max(made, c.Index+1)
		if v, ok := stored[c.Index]; ok {
			return refine.Outcome{Verdict: v}, nil
		}
		if c.Index >= sw.Configs {
			return refine.Outcome{}, fmt.Errorf("refine %s: probe %d is beyond the %d reserved", g.Name, c.Index, sw.Configs)
		}
		out, err := runner.run(ctx, c, sender)
		if err == nil {
			ran++
		}
		return refine.Outcome{Verdict: out.Verdict}, err
	}
	boundaries, refineErr := refine.Edges(ctx, spec, precision, kinds, run)
	if ctx.Err() != nil {
		refineErr = nil // interrupted: said below
	}
	if err := errors.Join(refineErr, sender.Close()); err != nil {
		q.Close()
		wg.Wait()
		return report(stderr, err)
	}
	q.Close()
	if err := wg.Wait(); err != nil {
		return report(stderr, err)
	}
	after := context.WithoutCancel(ctx)
	if ctx.Err() != nil {
		st.FinishSweep(after, sw.ID, store.StatusInterrupted, 0, sw.Configs)
		printError(stderr, "interrupted while refining", "run sweep refine again: stored probes are not run twice")
		return 128 + 2
	}
	if err := st.ShrinkRefinement(after, sw.ID, made); err != nil {
		return report(stderr, err)
	}
	if err := st.FinishSweep(after, sw.ID, store.StatusDone, 0, made); err != nil {
		return report(stderr, err)
	}
	return saveEdges(after, st, g, spec, precision, boundaries, refined{probes: made, ran: ran, start: start}, stdout, stderr)
}

// probeBound is the most probes refining a program's sweep can make: for
// each line of the grid and each edge kind, every bracket (neighbouring
// rates, one on the near side of the edge and one not) bisected to the
// precision in log space. Kinds share probes, so it is seldom reached.
func probeBound(spec *grid.Spec, verdicts map[int64]runner.Verdict, kinds []string, precision float64) int64 {
	rates := spec.Axes[0].Values
	order := make([]int, len(rates)) // rate positions, ascending by rate
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(rates[a], rates[b]) })
	lines := spec.Len() / int64(len(rates))
	var total int64
	for line := range lines {
		for _, kind := range kinds {
			near := func(pos int) bool {
				v := verdicts[int64(pos)*lines+line]
				if kind == refine.Converge {
					return v == runner.Converged
				}
				return v != runner.Diverged
			}
			for k := 0; k+1 < len(order); k++ {
				lo, hi := order[k], order[k+1]
				if near(lo) == near(hi) {
					continue
				}
				// Halvings in log space until hi/lo - 1 <= precision.
				steps := math.Ceil(math.Log2(math.Log(rates[hi]/rates[lo]) / math.Log1p(precision)))
				total += int64(max(steps, 0)) + 1
			}
		}
	}
	return total
}
