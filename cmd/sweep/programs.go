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

// runProgram runs prog for config c, handing its trace to the writer a
// chunk at a time as the program prints it, and the run last, through a
// Sender of its own: the run goes alone, at once. A run stopped by ctx is
// not stored (its chunks, if any went, refer to no run).
func runProgram(ctx context.Context, prog command.Program, spec *grid.Spec, c grid.Config, params []command.Param, q *store.Queue, trace *store.ProgramTrace) (err error) {
	sender := q.Sender(spec.Trace)
	defer func() {
		if cerr := sender.Close(); err == nil {
			err = cerr
		}
	}()
	trace.Start(func(chunk int, text string) error { return sender.Add(store.ProgramChunk(c, chunk, text)) })
	out, err := prog.Run(ctx, params, c.Limits, spec.Trace.Every, trace.Rows(spec.Trace))
	if err != nil {
		return err
	}
	chunk, text, err := trace.Finish()
	if err != nil {
		return err
	}
	return sender.Add(store.ProgramRecord(spec, c, out, chunk, text))
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
	names := spec.ParamNames()
	for range max(jobs, 1) {
		g.Go(func() error {
			var trace store.ProgramTrace
			params := make([]command.Param, len(names))
			for c := range work {
				for i, v := range spec.Params(c) {
					params[i] = command.Param{Name: names[i], Value: v, Integer: names[i] == grid.LimitIterations}
				}
				if err := runProgram(ctx, prog, spec, c, params, q, &trace); err != nil {
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
