package runner

import (
	"context"
	"iter"

	"golang.org/x/sync/errgroup"

	"sweep/internal/grid"
)

// Result is one finished run: its config, its trace up to and including the
// deciding row, its verdict and, for gradient descent, the theory's
// prediction.
type Result struct {
	Config     grid.Config
	Trace      []Row
	Verdict    Verdict
	Prediction *Prediction // nil for methods without a theory
}

// Last returns the deciding row, the last of the trace.
func (r *Result) Last() Row { return r.Trace[len(r.Trace)-1] }

// Train runs one config and returns its result.
func Train(c grid.Config) *Result { return train(c, nil) }

// train is Train with the trace appended to buf.
func train(c grid.Config, buf []Row) *Result {
	trace, verdict := Run(c, buf)
	r := &Result{Config: c, Trace: trace, Verdict: verdict}
	if p, ok := Predict(c); ok {
		r.Prediction = &p
	}
	return r
}

// batchSize is how many configs one worker task takes at once: enough that
// the cost of handing out work is small beside the work, few enough that
// cancellation is prompt.
const batchSize = 32

// Sweep runs every config on jobs workers and hands each result to emit,
// from the worker goroutines, concurrently. The result's trace lives in a
// buffer the worker reuses for its next run, so emit must copy what it keeps
// of it before it returns. A run that diverges or produces
// NaN is data and never an error; Sweep returns the first error of emit (the
// sink failed, say) after stopping the other workers, or ctx's error when it
// was canceled before every config was handed out.
func Sweep(ctx context.Context, configs iter.Seq[grid.Config], jobs int, emit func(context.Context, *Result) error) error {
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(jobs, 1))
	batch := make([]grid.Config, 0, batchSize)
	flush := func() {
		work := batch
		g.Go(func() error {
			var buf []Row
			for _, c := range work {
				if err := ctx.Err(); err != nil {
					return err
				}
				r := train(c, buf)
				if err := emit(ctx, r); err != nil {
					return err
				}
				buf = r.Trace[:0]
			}
			return nil
		})
		batch = make([]grid.Config, 0, batchSize)
	}
	for c := range configs {
		if ctx.Err() != nil {
			break
		}
		batch = append(batch, c)
		if len(batch) == batchSize {
			flush()
		}
	}
	if len(batch) > 0 && ctx.Err() == nil {
		flush()
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return parent.Err()
}
