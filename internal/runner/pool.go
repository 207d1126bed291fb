package runner

import (
	"context"
	"iter"

	"golang.org/x/sync/errgroup"

	"sweep/internal/grid"
)

// Result is one finished run: its config, its trace up to and including the
// deciding row (or the rows of it that were kept), its verdict and, for
// gradient descent, the theory's prediction.
type Result struct {
	Config     grid.Config
	Trace      []Row // every row, or those kept; the last is the deciding row
	Steps      int   // rows the run had, kept or not
	Verdict    Verdict
	Prediction *Prediction // nil for methods without a theory
	Facts      Facts       // of every row, kept or not
}

// Last returns the deciding row, the last of the trace.
func (r *Result) Last() Row { return r.Trace[len(r.Trace)-1] }

// Train runs one config, keeping every trace row, and returns its result.
func Train(c grid.Config) *Result {
	trace, steps, verdict := RunKeeping(c, 1, nil)
	r := &Result{Config: c, Trace: trace, Steps: steps, Verdict: verdict}
	r.Prediction = predict(c)
	f := NewFactTracker(c.Limits.Tolerance)
	for _, row := range trace {
		f.Add(row.Step, row.Error, row.Delta)
	}
	r.Facts = f.Facts()
	return r
}

func predict(c grid.Config) *Prediction {
	if p, ok := Predict(c); ok {
		return &p
	}
	return nil
}

// A Sink takes the runs that one worker of Sweep trains, in order: for each
// run its config, its kept rows, a chunk at a time as they are computed,
// then its result. Sweep gives every worker a Sink of its own, so a Sink is never
// called concurrently and needs no locks. Whatever a Sink does that can
// block (handing work to a writer) it bounds by its own means: Sweep passes
// it no context.
type Sink interface {
	// Start takes the config of the next run.
	Start(c grid.Config)
	// Rows takes the next kept rows of the run being trained, in step
	// order; the deciding row is the last row of the run's last chunk.
	// rows is reused once Rows returns.
	Rows(rows []Row)
	// Done takes the run once it is decided. r.Trace holds only the
	// deciding row (Rows was given every kept row), and r is reused once
	// Done returns. An error stops the sweep, and Sweep returns it.
	Done(r *Result) error
	// Close is called once the worker has no more configs to train, or
	// stops early because the sweep was canceled, so that the Sink can
	// hand over what it holds of the runs it was given in full. A run
	// abandoned halfway has no Done.
	Close() error
}

// batchSize is how many configs one worker takes at once: enough that the
// cost of handing out work is small beside the work, few enough that
// cancellation is prompt. batchSteps ends a batch sooner when its configs
// may run long (their iterations add up to a million), so that a sweep of a
// few long runs still keeps every worker busy.
const (
	batchSize  = 64
	batchSteps = 1_000_000
)

// chunkRows is how many rows a worker computes before handing them to its
// Sink: 192 KiB of rows, so a worker's memory does not grow with the
// iterations of a run, and the call per chunk costs nothing beside the
// chunk.
const chunkRows = 4096

// Sweep runs every config on jobs workers, keeping the trace rows that
// RunKeeping keeps for every, and streams each worker's runs into a Sink
// that newSink makes for it. A run that diverges or produces NaN is data and
// never an error. Sweep returns the first error of a Sink (the writer
// failed, say) after stopping the other workers, or ctx's error when it was
// canceled before every config was trained; a run in progress when ctx is
// canceled is abandoned at the next chunk.
func Sweep(ctx context.Context, configs iter.Seq[grid.Config], jobs, every int, newSink func() Sink) error {
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	work := make(chan []grid.Config)
	for range max(jobs, 1) {
		sink := newSink()
		g.Go(func() error {
			err := train(ctx, work, every, sink)
			if cerr := sink.Close(); err == nil {
				err = cerr
			}
			return err
		})
	}
	batch, steps := make([]grid.Config, 0, batchSize), 0
	send := func() bool {
		select {
		case work <- batch:
			batch, steps = make([]grid.Config, 0, batchSize), 0
			return true
		case <-ctx.Done():
			return false
		}
	}
	for c := range configs {
		batch = append(batch, c)
		steps += c.Limits.Iterations
		if (len(batch) == batchSize || steps >= batchSteps) && !send() {
			break
		}
	}
	if len(batch) > 0 && ctx.Err() == nil {
		send()
	}
	close(work)
	if err := g.Wait(); err != nil {
		return err
	}
	return parent.Err()
}

// train is one worker: it trains the configs of each batch it receives,
// streaming rows and results into sink, until work is closed or ctx is
// canceled. Its one chunk of rows and one Result are reused for every run.
func train(ctx context.Context, work <-chan []grid.Config, every int, sink Sink) error {
	chunk := make([]Row, 0, chunkRows)
	var (
		r    Result
		last [1]Row
	)
	for batch := range work {
		for _, c := range batch {
			if err := ctx.Err(); err != nil {
				return err
			}
			t := NewTrainer(c, every)
			sink.Start(c)
			for {
				rows := t.Next(chunk)
				if len(rows) > 0 {
					last[0] = rows[len(rows)-1]
					sink.Rows(rows)
				}
				if _, _, ok := t.Decided(); ok {
					break
				}
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			steps, verdict, _ := t.Decided()
			r = Result{Config: c, Trace: last[:], Steps: steps, Verdict: verdict, Prediction: predict(c), Facts: t.Facts()}
			if err := sink.Done(&r); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}
