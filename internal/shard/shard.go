// Package shard splits a sweep into shards for many machines: stretches of
// the sweep order that hold about the same expected work, computed alike on
// every machine from the sweep file alone, so that shards need no
// coordinator.
package shard

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"sweep/internal/grid"
	"sweep/internal/runner"
)

// storeCost is the work of storing a run, in steps of training: what a run
// costs beyond its steps, so that many short runs weigh what they cost.
const storeCost = 50

// Cost is the expected work of a config: the trace rows the theory predicts
// (gradient descent) or a bound on them (hot_cold), plus storing the run.
// A program's runs cost what nobody can tell beforehand: one each, so
// that shards hold as many runs each.
func Cost(c grid.Config) int64 {
	if c.Method == grid.Command {
		return 1
	}
	steps := int64(c.Limits.Iterations)
	if p, ok := runner.Predict(c); ok {
		steps = int64(p.Steps)
	} else if c.Input != 0 && c.Rate > 0 {
		// hot_cold moves the weight by step_amount a step towards
		// goal/input, then dithers around it.
		need := math.Abs(c.Goal/c.Input-c.Weight)/c.Rate + 2
		if need < float64(steps) {
			steps = int64(need)
		}
	} else {
		steps = 1 // input 0: decided at once
	}
	return steps + storeCost
}

// Shard is one of N shards, numbered from 1.
type Shard struct{ I, N int }

// All is the whole sweep as one shard.
var All = Shard{1, 1}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.I, s.N) }

// Parse reads "I/N" with 1 <= I <= N.
func Parse(text string) (Shard, error) {
	i, n, ok := strings.Cut(text, "/")
	si, err1 := strconv.Atoi(strings.TrimSpace(i))
	sn, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || sn < 1 || si < 1 || si > sn {
		return Shard{}, fmt.Errorf("shard %q: want I/N with 1 <= I <= N, e.g. 2/4", text)
	}
	return Shard{si, sn}, nil
}

// FromEnv picks the shard from the environment of a batch system when the
// command line gives none: a Kubernetes Indexed Job's JOB_COMPLETION_INDEX
// (0-based, with shards given by --shards), or a Slurm job array's
// SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (numbered from
// SLURM_ARRAY_TASK_MIN). ok is false when neither is set.
func FromEnv(getenv func(string) string, shards int) (s Shard, ok bool, err error) {
	if idx := getenv("JOB_COMPLETION_INDEX"); idx != "" {
		i, err := strconv.Atoi(idx)
		if err != nil || i < 0 {
			return Shard{}, false, fmt.Errorf("JOB_COMPLETION_INDEX=%q is not an index", idx)
		}
		if shards < 1 {
			return Shard{}, false, fmt.Errorf("JOB_COMPLETION_INDEX is set but --shards is not: give the Job's completions as --shards")
		}
		if i >= shards {
			return Shard{}, false, fmt.Errorf("JOB_COMPLETION_INDEX=%d is not below --shards %d", i, shards)
		}
		return Shard{i + 1, shards}, true, nil
	}
	if id := getenv("SLURM_ARRAY_TASK_ID"); id != "" {
		i, err1 := strconv.Atoi(id)
		n, err2 := strconv.Atoi(getenv("SLURM_ARRAY_TASK_COUNT"))
		lo := 0
		if m := getenv("SLURM_ARRAY_TASK_MIN"); m != "" {
			var err3 error
			if lo, err3 = strconv.Atoi(m); err3 != nil {
				return Shard{}, false, fmt.Errorf("SLURM_ARRAY_TASK_MIN=%q is not a number", m)
			}
		}
		if err1 != nil || err2 != nil || n < 1 || i-lo < 0 || i-lo >= n {
			return Shard{}, false, fmt.Errorf("SLURM_ARRAY_TASK_ID=%q, SLURM_ARRAY_TASK_COUNT=%q, SLURM_ARRAY_TASK_MIN=%q do not name a task of the array",
				id, getenv("SLURM_ARRAY_TASK_COUNT"), getenv("SLURM_ARRAY_TASK_MIN"))
		}
		return Shard{i - lo + 1, n}, true, nil
	}
	return Shard{}, false, nil
}

// Range returns the configs of the shard: indexes [from, to) of the sweep
// order. Shards are contiguous and hold about equal expected work (Cost);
// together they are the whole sweep, each config in exactly one. It goes
// over the configs twice and holds none of them.
func (s Shard) Range(spec *grid.Spec) (from, to int64) {
	n := spec.Len()
	if s.N <= 1 {
		return 0, n
	}
	var total int64
	for c := range spec.Configs() {
		total += Cost(c)
	}
	// Shard k starts at the first config whose work before it reaches
	// k/N of the total.
	start := func(k int) int64 { return int64(math.Ceil(float64(total) * float64(k) / float64(s.N))) }
	lo, hi := start(s.I-1), start(s.I)
	from, to = -1, n
	var before int64
	for c := range spec.Configs() {
		if from < 0 && before >= lo {
			from = c.Index
		}
		if before >= hi {
			to = c.Index
			break
		}
		before += Cost(c)
	}
	if from < 0 {
		from = n
	}
	if s.I == s.N {
		to = n
	}
	return from, to
}
