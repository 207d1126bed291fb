package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The files in deploy/ are exercised as far as this machine allows: each is
// parsed, its settings are checked against each other (shards, matrix,
// completions, array size), and the commands it runs are run here, with a
// "sweep" that is this test binary, in a directory holding a copy of the
// repository's experiments. The merged result must be complete and pass
// the sweep file's expectations and baseline.

// deployDir prepares a work directory: experiments/, and sweep (a shim that
// runs this test binary as the sweep command) in it and on PATH.
func deployDir(t *testing.T) (dir string, env []string) {
	t.Helper()
	dir = t.TempDir()
	if out, err := exec.Command("cp", "-r", "../../experiments", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy experiments: %v %s", err, out)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	shim := fmt.Sprintf("#!/bin/sh\nSWEEP_AS_MAIN=1 CI=true exec %q \"$@\"\n", self)
	if err := os.WriteFile(filepath.Join(dir, "sweep"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "CI=true")
	return dir, env
}

// sh runs a shell command in dir and returns its output, failing the test
// when it fails.
func sh(t *testing.T, dir string, env []string, command string) string {
	t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", command)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", command, err, out)
	}
	return string(out)
}

// checkMerged checks the end of every deployment: the merged database is
// complete and its expectations passed.
func checkMerged(t *testing.T, out string) {
	t.Helper()
	if !strings.Contains(out, "sweep alpha: 1701 of 1701 configs in") {
		t.Errorf("the merge is not complete:\n%s", out)
	}
	if !strings.Contains(out, "expectations: 4 of 4 passed") {
		t.Errorf("the expectations were not checked or did not pass:\n%s", out)
	}
}

func TestDeployGitHubActions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep as shards")
	}
	var wf struct {
		Env  map[string]string `yaml:"env"`
		Jobs map[string]struct {
			Needs    string `yaml:"needs"`
			Strategy struct {
				Matrix struct {
					Shard []int `yaml:"shard"`
				} `yaml:"matrix"`
			} `yaml:"strategy"`
			Steps []struct {
				Uses string `yaml:"uses"`
				Run  string `yaml:"run"`
			} `yaml:"steps"`
		} `yaml:"jobs"`
	}
	data, err := os.ReadFile("../../deploy/github-actions.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("deploy/github-actions.yml does not parse: %v", err)
	}
	shardJob, mergeJob := wf.Jobs["shard"], wf.Jobs["merge"]
	if got := fmt.Sprint(shardJob.Strategy.Matrix.Shard); got != "[1 2 3 4]" || wf.Env["SHARDS"] != "4" {
		t.Fatalf("matrix %s with SHARDS=%s: want shards 1 to 4 of 4", got, wf.Env["SHARDS"])
	}
	if mergeJob.Needs != "shard" {
		t.Errorf("merge needs %q, want shard", mergeJob.Needs)
	}
	dir, env := deployDir(t)
	for k, v := range wf.Env {
		env = append(env, k+"="+v)
	}
	run := func(steps []struct {
		Uses string `yaml:"uses"`
		Run  string `yaml:"run"`
	}, shard int) string {
		var out strings.Builder
		for _, s := range steps {
			if s.Run == "" || strings.Contains(s.Run, "go build") {
				continue // checkout, setup-go, artifacts and the build are GitHub's
			}
			cmd := strings.ReplaceAll(s.Run, "${{ matrix.shard }}", fmt.Sprint(shard))
			out.WriteString(sh(t, dir, env, cmd))
		}
		return out.String()
	}
	for _, shard := range shardJob.Strategy.Matrix.Shard {
		run(shardJob.Steps, shard)
	}
	out := run(mergeJob.Steps, 0)
	checkMerged(t, out)
	if !strings.Contains(out, "1701 configs match, 0 changed, 0 missing") {
		t.Errorf("the baseline check did not pass:\n%s", out)
	}
	for _, f := range []string{"junit.xml", "summary.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the workflow's artifact %s was not written", f)
		}
	}
}

func TestDeployKubernetes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep as shards")
	}
	type job struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			CompletionMode string `yaml:"completionMode"`
			Completions    int    `yaml:"completions"`
			Parallelism    int    `yaml:"parallelism"`
			Template       struct {
				Spec struct {
					Containers []struct {
						Command []string `yaml:"command"`
						Args    []string `yaml:"args"`
					} `yaml:"containers"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	f, err := os.Open("../../deploy/kubernetes-job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var jobs []job
	dec := yaml.NewDecoder(f)
	for {
		var j job
		err := dec.Decode(&j)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("deploy/kubernetes-job.yaml does not parse: %v", err)
		}
		jobs = append(jobs, j)
	}
	if len(jobs) != 2 || jobs[0].Kind != "Job" || jobs[1].Kind != "Job" {
		t.Fatalf("want two Jobs, got %d documents", len(jobs))
	}
	shards, merge := jobs[0], jobs[1]
	if shards.Spec.CompletionMode != "Indexed" || shards.Spec.Completions != 4 || shards.Spec.Parallelism != 4 {
		t.Fatalf("shard Job: completionMode %q, completions %d, parallelism %d; want Indexed, 4, 4",
			shards.Spec.CompletionMode, shards.Spec.Completions, shards.Spec.Parallelism)
	}
	dir, env := deployDir(t)
	os.Mkdir(filepath.Join(dir, "results"), 0o755)
	local := func(c struct {
		Command []string `yaml:"command"`
		Args    []string `yaml:"args"`
	}) string {
		if strings.Join(c.Command, " ") != "/bin/sh -c" || len(c.Args) != 1 {
			t.Fatalf("container runs %v %v; want /bin/sh -c and one script", c.Command, c.Args)
		}
		return strings.NewReplacer("/results", filepath.Join(dir, "results"), "/experiments", filepath.Join(dir, "experiments")).Replace(c.Args[0])
	}
	shardCmd := local(shards.Spec.Template.Spec.Containers[0])
	if !strings.Contains(shardCmd, fmt.Sprintf("--shards %d", shards.Spec.Completions)) {
		t.Errorf("the shard command %q does not pass --shards %d", shardCmd, shards.Spec.Completions)
	}
	for i := 0; i < shards.Spec.Completions; i++ {
		sh(t, dir, append(env, fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)), shardCmd)
	}
	checkMerged(t, sh(t, dir, env, local(merge.Spec.Template.Spec.Containers[0])))
}

func TestDeploySlurm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep as shards")
	}
	script, err := os.ReadFile("../../deploy/slurm-array.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^#SBATCH --array=(\d+)-(\d+)$`).FindSubmatch(script)
	if m == nil {
		t.Fatal("deploy/slurm-array.sh has no #SBATCH --array=A-B")
	}
	var lo, hi int
	fmt.Sscan(string(m[1]), &lo)
	fmt.Sscan(string(m[2]), &hi)
	if !bytes.Contains(script, fmt.Appendf(nil, "SHARDS=${SHARDS:-%d}", hi-lo+1)) {
		t.Errorf("deploy/slurm-array.sh: want SHARDS=${SHARDS:-%d}, the size of its --array=%d-%d", hi-lo+1, lo, hi)
	}
	dir, env := deployDir(t)
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	env = append(env, "SWEEP="+filepath.Join(dir, "sweep"))
	for id := lo; id <= hi; id++ {
		sh(t, dir, append(env, fmt.Sprintf("SLURM_ARRAY_TASK_ID=%d", id), fmt.Sprintf("SLURM_ARRAY_TASK_COUNT=%d", hi-lo+1),
			fmt.Sprintf("SLURM_ARRAY_TASK_MIN=%d", lo)), abs("../../deploy/slurm-array.sh"))
	}
	out := sh(t, dir, env, abs("../../deploy/slurm-merge.sh"))
	checkMerged(t, out)
	junit, err := os.ReadFile(filepath.Join(dir, "results", "junit.xml"))
	if err != nil || !bytes.Contains(junit, []byte(`tests="4" failures="0"`)) {
		t.Errorf("results/junit.xml: %v\n%s", err, junit)
	}
}
