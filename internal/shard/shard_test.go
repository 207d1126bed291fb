package shard

import (
	"os"
	"testing"

	"sweep/internal/grid"
)

func spec(t *testing.T) *grid.Spec {
	t.Helper()
	data, err := os.ReadFile("../../bench/w1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := grid.Parse("w1.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRangesPartition checks that the shards of a sweep cover it exactly,
// in order, and hold about equal work: no shard is further from an equal
// share than the costliest config.
func TestRangesPartition(t *testing.T) {
	s := spec(t)
	var total, maxCost int64
	for c := range s.Configs() {
		total += Cost(c)
		maxCost = max(maxCost, Cost(c))
	}
	for n := 1; n <= 7; n++ {
		next := int64(0)
		for i := 1; i <= n; i++ {
			from, to := Shard{i, n}.Range(s)
			if from != next || to < from {
				t.Fatalf("shard %d/%d is [%d, %d), want it to start at %d", i, n, from, to, next)
			}
			var work int64
			for k := from; k < to; k++ {
				work += Cost(s.Config(k))
			}
			if share := total / int64(n); work < share-maxCost || work > share+maxCost {
				t.Errorf("shard %d/%d has work %d, want %d ± %d", i, n, work, share, maxCost)
			}
			next = to
		}
		if next != s.Len() {
			t.Errorf("%d shards end at %d, want %d", n, next, s.Len())
		}
	}
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Shard{"1/1": {1, 1}, "2/4": {2, 4}, " 4/4 ": {4, 4}} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0/4", "5/4", "1/0", "a/b", "2", "-1/2"} {
		if _, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) succeeded", in)
		}
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		shards int
		want   Shard
		ok     bool
		err    bool
	}{
		{"nothing set", nil, 0, Shard{}, false, false},
		{"kubernetes index 0", map[string]string{"JOB_COMPLETION_INDEX": "0"}, 4, Shard{1, 4}, true, false},
		{"kubernetes index 3", map[string]string{"JOB_COMPLETION_INDEX": "3"}, 4, Shard{4, 4}, true, false},
		{"kubernetes without --shards", map[string]string{"JOB_COMPLETION_INDEX": "1"}, 0, Shard{}, false, true},
		{"kubernetes index past --shards", map[string]string{"JOB_COMPLETION_INDEX": "4"}, 4, Shard{}, false, true},
		{"slurm from 0", map[string]string{"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "0"}, 0, Shard{3, 4}, true, false},
		{"slurm from 1", map[string]string{"SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"}, 0, Shard{4, 4}, true, false},
		{"slurm outside the array", map[string]string{"SLURM_ARRAY_TASK_ID": "9", "SLURM_ARRAY_TASK_COUNT": "4"}, 0, Shard{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := FromEnv(func(k string) string { return tt.env[k] }, tt.shards)
			if got != tt.want || ok != tt.ok || (err != nil) != tt.err {
				t.Errorf("FromEnv = %v, %v, %v; want %v, %v, error %v", got, ok, err, tt.want, tt.ok, tt.err)
			}
		})
	}
}

// A program's runs cost what nobody can tell beforehand: its shards hold
// as many configs each, whatever the gradient-descent theory would say of
// an axis named input.
func TestProgramShardsEven(t *testing.T) {
	spec, err := grid.Parse("p.yaml", []byte("method: command\ncommand: [./p, \"{alpha}\", \"{input}\"]\nrate: alpha\ngrid:\n  alpha: {from: 1, to: 0.001, per_decade: 10}\n  input: [0.1, 3]\n  goal: 0.8\n  weight: 0.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for i := 1; i <= 4; i++ {
		from, to := Shard{i, 4}.Range(spec)
		sizes = append(sizes, to-from)
	}
	for _, n := range sizes {
		if n != 15 && n != 16 {
			t.Errorf("shards of 62 configs hold %v, want 15 or 16 each", sizes)
			break
		}
	}
}
