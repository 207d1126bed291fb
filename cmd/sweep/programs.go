package main

import (
	"context"
	"encoding/hex"
	"errors"
	"iter"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"sweep/internal/command"
	"sweep/internal/command/argv"
	"sweep/internal/grid"
	"sweep/internal/store"
)

// program returns the program a sweep of method command runs, in the
// sweep file's directory, after checking, before anything runs or any file
// is touched, that it can run: its placeholders name parameters, and its
// executable is there. It also sets the spec's program hash (argv and the
// bytes of the files the argv names), part of the sweep's identity. A
// problem is reported at the command's file:line:col, with a hint.
func program(file string, spec *grid.Spec) (command.Program, error) {
	p := command.Program{Argv: spec.Program.Argv, Dir: filepath.Dir(file), Timeout: spec.Program.Timeout}
	at := func(msg, hint string) error {
		return grid.Errors{{File: file, Line: spec.Program.Line, Col: spec.Program.Col, Msg: "command: " + msg, Hint: hint}}
	}
	if err := command.Check(p, spec.ParamNames()); err != nil {
		var ce *command.Error
		var ae *argv.Error
		switch {
		case errors.As(err, &ce):
			return p, at(ce.Msg, ce.Hint)
		case errors.As(err, &ae):
			return p, at(ae.Error(), ae.Hint)
		}
		return p, at(err.Error(), "")
	}
	_, sum, err := command.Identity(p)
	if err != nil {
		return p, at(err.Error(), "the files the command names are read to tell one version of the program from another")
	}
	spec.Program.Hash = hex.EncodeToString(sum[:])
	return p, nil
}

// programRunner runs a program's configs, one at a time, for one worker
// of a sweep or for refine's probes: it fills in each config's parameters
// and hands the run's trace to a Sender a chunk at a time as the program
// prints it, and the run last. A run stopped by ctx is not stored (its
// chunks, if any went, refer to no run).
type programRunner struct {
	prog   command.Program
	spec   *grid.Spec
	names  []string
	params []command.Param
	trace  store.ProgramTrace
}

func newProgramRunner(prog command.Program, spec *grid.Spec) *programRunner {
	names := spec.ParamNames()
	return &programRunner{prog: prog, spec: spec, names: names, params: make([]command.Param, len(names))}
}

// run runs config c, handing its chunks and its record to sender.
func (r *programRunner) run(ctx context.Context, c grid.Config, sender *store.Sender) (command.Outcome, error) {
	for i, v := range r.spec.Params(c) {
		r.params[i] = command.Param{Name: r.names[i], Value: v, Integer: r.names[i] == grid.LimitIterations}
	}
	r.trace.Start(func(chunk int, text string) error { return sender.Add(store.ProgramChunk(c, chunk, text)) })
	out, err := r.prog.Run(ctx, r.params, c.Limits, r.spec.Trace.Every, r.trace.Rows(r.spec.Trace))
	if err != nil {
		return out, err
	}
	chunk, text, err := r.trace.Finish()
	if err != nil {
		return out, err
	}
	return out, sender.Add(store.ProgramRecord(r.spec, c, out, chunk, text))
}

// runPrograms runs prog for every config on jobs workers, each handing
// its runs to the writer through q: the pipeline of method command, as
// runner.Sweep is the built-ins'. A run stopped by ctx (Ctrl-C) is not
// stored; every run decided before is.
//
// Each run is handed to the writer as soon as it is decided, which commits
// it within store's commit interval: a program's run may take minutes, and
// a Sender's batch of 64 runs per worker would leave hours of them
// uncommitted, lost to a kill -9 and invisible to sweep ls meanwhile.
func runPrograms(ctx context.Context, prog command.Program, spec *grid.Spec, configs iter.Seq[grid.Config], jobs int, q *store.Queue) error {
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	work := make(chan grid.Config)
	for range max(jobs, 1) {
		g.Go(func() error {
			r := newProgramRunner(prog, spec)
			for c := range work {
				// A Sender of its own hands the run over alone, at once.
				sender := q.Sender(spec.Trace)
				_, err := r.run(ctx, c, sender)
				if err := errors.Join(err, sender.Close()); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(work)
		for c := range configs {
			select {
			case work <- c:
			case <-ctx.Done():
				return nil
			}
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return err
	}
	return parent.Err()
}
