package runner

import (
	"context"
	"iter"
	"sync"

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
}

// Last returns the deciding row, the last of the trace.
func (r *Result) Last() Row { return r.Trace[len(r.Trace)-1] }

// Train runs one config, keeping every trace row, and returns its result.
func Train(c grid.Config) *Result { return train(c, 1, nil) }

// train runs one config keeping the rows RunKeeping keeps, in buf.
func train(c grid.Config, every int, buf []Row) *Result {
	trace, steps, verdict := RunKeeping(c, every, buf)
	r := &Result{Config: c, Trace: trace, Steps: steps, Verdict: verdict}
	if p, ok := Predict(c); ok {
		r.Prediction = &p
	}
	return r
}

// batchSize is how many configs one worker task takes at once: enough that
// the cost of handing out work and results is small beside the work, few
// enough that cancellation is prompt.
const batchSize = 64

// buffers holds trace buffers between runs, so that a sweep of millions of
// runs allocates a few dozen.
var buffers = sync.Pool{New: func() any { return new([]Row) }}

// Sweep runs every config on jobs workers, keeping the trace rows that
// RunKeeping keeps for every, and hands the results to emit a batch at a
// time, from the worker goroutines, concurrently. The results' traces live
// in buffers that are reused once emit returns, so emit must copy what it
// keeps of them. A run that diverges or produces NaN is data and never an
// error; Sweep returns the first error of emit (the sink failed, say) after
// stopping the other workers, or ctx's error when it was canceled before
// every config was handed out.
func Sweep(ctx context.Context, configs iter.Seq[grid.Config], jobs, every int, emit func(context.Context, []*Result) error) error {
	parent := ctx
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(max(jobs, 1))
	batch := make([]grid.Config, 0, batchSize)
	flush := func() {
		work := batch
		g.Go(func() error {
			results := make([]*Result, 0, len(work))
			bufs := make([]*[]Row, 0, len(work))
			defer func() {
				for _, b := range bufs {
					buffers.Put(b)
				}
			}()
			for _, c := range work {
				if err := ctx.Err(); err != nil {
					return err
				}
				buf := buffers.Get().(*[]Row)
				r := train(c, every, *buf)
				*buf = r.Trace[:0]
				bufs = append(bufs, buf)
				results = append(results, r)
			}
			return emit(ctx, results)
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
