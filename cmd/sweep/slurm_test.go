package main

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sweep/internal/pyfloat"
)

// The Slurm files in deploy/ are submitted to a real Slurm: a one-node
// cluster (munged, slurmctld and slurmd on this machine, CPUs=2, every file
// in a temporary directory) that the test starts and tears down. The jobs
// run deploy/slurm-array.sh and deploy/slurm-merge.sh unchanged, with the
// commands the README gives, from a work directory holding experiments/ and
// a sweep (the shim of deployDir). The configuration avoids what a
// container lacks: processes are tracked by their parent (proctrack/
// linuxproc), tasks are not bound (task/none), so no cgroup is needed.

// slurmCluster is a running one-node cluster; env has SLURM_CONF for the
// client commands.
type slurmCluster struct {
	dir string
	env []string
}

// startSlurm starts a cluster and registers its teardown, or skips the test
// when Slurm or munge is not installed.
func startSlurm(t *testing.T) *slurmCluster {
	t.Helper()
	for _, bin := range []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed (apt-get install -y slurm-wlm munge): the Slurm files in deploy/ are not submitted to a real Slurm", bin)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("a one-node Slurm runs its daemons as root (SlurmUser=root): run the test as root")
	}
	dir := t.TempDir()
	c := &slurmCluster{dir: dir}
	key := make([]byte, 1024)
	f, err := os.Open("/dev/urandom")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.Read(key)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "munge.key"), key, 0o400); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"state", "spool"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sock := filepath.Join(dir, "munge.sock")
	conf := filepath.Join(dir, "slurm.conf")
	ports := freePorts(t, 2)
	p := func(name string) string { return filepath.Join(dir, name) }
	text := fmt.Sprintf(`ClusterName=sweeptest
SlurmctldHost=localhost
SlurmctldPort=%d
SlurmdPort=%d
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=%s
CredType=cred/munge
StateSaveLocation=%s
SlurmdSpoolDir=%s
SlurmctldPidFile=%s
SlurmdPidFile=%s
SlurmctldLogFile=%s
SlurmdLogFile=%s
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
KillWait=5
MinJobAge=600
NodeName=localhost CPUs=2 RealMemory=2048 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
`, ports[0], ports[1], sock, p("state"), p("spool"), p("slurmctld.pid"), p("slurmd.pid"), p("slurmctld.log"), p("slurmd.log"))
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	c.env = append(os.Environ(), "SLURM_CONF="+conf)

	var daemons []*exec.Cmd
	start := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = c.env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		log, err := os.Create(p(name + ".out"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		daemons = append(daemons, cmd)
	}
	// Teardown, whatever happens: cancel the jobs, stop the daemons (their
	// process groups, the newest first), reap them, and make sure that no
	// process of this cluster (a slurmstepd, a job) outlives the test.
	t.Cleanup(func() {
		if len(daemons) == 3 {
			exec.Command("scancel", "--full", "--user=root").Run()
		}
		for i := len(daemons) - 1; i >= 0; i-- {
			syscall.Kill(-daemons[i].Process.Pid, syscall.SIGTERM)
			done := make(chan struct{})
			go func() { daemons[i].Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				syscall.Kill(-daemons[i].Process.Pid, syscall.SIGKILL)
				<-done
			}
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			left := processesMentioning(dir)
			if len(left) == 0 {
				break
			}
			if time.Now().After(deadline) {
				for _, pid := range left {
					syscall.Kill(pid, syscall.SIGKILL)
				}
				t.Errorf("processes of the cluster outlived it (killed now): %v", left)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if t.Failed() {
			for _, name := range []string{"slurmctld.log", "slurmd.log", "munged.out"} {
				b, _ := os.ReadFile(p(name))
				t.Logf("%s:\n%s", name, tail(string(b), 3000))
			}
		}
	})
	start("munged", "--foreground", "--force", "--key-file="+p("munge.key"), "--socket="+sock,
		"--pid-file="+p("munged.pid"), "--log-file="+p("munged.log"), "--seed-file="+p("munged.seed"))
	waitFor(t, 10*time.Second, "munged's socket", func() bool { _, err := os.Stat(sock); return err == nil })
	start("slurmctld", "-D")
	start("slurmd", "-D", "-N", "localhost")
	waitFor(t, 30*time.Second, "the node to be idle", func() bool {
		out, _ := c.cmd("sinfo", "--noheader", "--format=%T")
		return strings.TrimSpace(out) == "idle"
	})
	return c
}

// processesMentioning returns the processes whose command line or
// environment names dir: the cluster's daemons, slurmstepd and the jobs
// (all of which inherit SLURM_CONF).
func processesMentioning(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil || pid == os.Getpid() {
			continue
		}
		for _, f := range []string{"cmdline", "environ"} {
			b, _ := os.ReadFile(filepath.Join("/proc", e.Name(), f))
			if strings.Contains(string(b), dir) {
				if stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat")); strings.Contains(string(stat), ") Z ") {
					break // a zombie holds nothing
				}
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// cmd runs a Slurm client command against the cluster.
func (c *slurmCluster) cmd(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// sh runs a shell command in dir with the cluster's SLURM_CONF and extra
// environment, as a user types it.
func (c *slurmCluster) sh(t *testing.T, dir string, env []string, command string) string {
	t.Helper()
	return strings.TrimSpace(sh(t, dir, append(append(env[:len(env):len(env)], c.env...), env...), command))
}

// states returns each job's state by its id (JOBID_N for array tasks),
// from scontrol, which knows finished jobs for MinJobAge.
func (c *slurmCluster) states(t *testing.T, job string) map[string]string {
	t.Helper()
	out, err := c.cmd("scontrol", "--oneliner", "show", "job", job)
	if err != nil {
		t.Fatalf("scontrol show job %s: %v\n%s", job, err, out)
	}
	states := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var id, task, state string
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "JobId":
				id = v
			case "ArrayJobId":
				id = v
			case "ArrayTaskId":
				task = v
			case "JobState":
				state = v
			}
		}
		if task != "" {
			id += "_" + task
		}
		states[id] = state
	}
	return states
}

// wait waits until every job of job (an id, or an array's id) has ended
// and returns their states.
func (c *slurmCluster) wait(t *testing.T, job string, limit time.Duration) map[string]string {
	t.Helper()
	var states map[string]string
	waitFor(t, limit, "job "+job+" to end", func() bool {
		states = c.states(t, job)
		if out, _ := c.cmd("squeue", "--noheader", "--format=%r", "--jobs="+job); strings.Contains(out, "DependencyNeverSatisfied") {
			t.Fatalf("job %s will never run: DependencyNeverSatisfied", job)
		}
		for _, s := range states {
			switch s {
			case "PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "REQUEUED", "SUSPENDED":
				return false
			}
		}
		return true
	})
	return states
}

// dumpRuns returns a sweep's runs (the columns that do not depend on time
// or ids) and trace rows, one line each, ordered by config.
func dumpRuns(t *testing.T, path string) (runs, trace string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q := func(query string) string {
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out, err := printRows(rows, pyfloat.Repr, "NULL")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return q(`SELECT config_index, method, alpha, input, goal, weight, iterations, tolerance, divergence, verdict, steps,
		final_weight, final_error, predicted_verdict, predicted_steps FROM runs ORDER BY config_index`),
		q(`SELECT r.config_index, t.step, t.weight, t.pred, t.error, t.delta, t.weight_delta
		FROM trace t JOIN runs r ON r.id = t.run_id ORDER BY 1, 2`)
}

// sameAsOneMachine checks that the merged database holds what one process
// running the same sweep file stores, with no config twice.
func sameAsOneMachine(t *testing.T, dir string, env []string, sweepFile string) {
	t.Helper()
	sh(t, dir, env, "./sweep run --jobs 8 --db one.db "+sweepFile)
	wantRuns, wantTrace := dumpRuns(t, filepath.Join(dir, "one.db"))
	gotRuns, gotTrace := dumpRuns(t, filepath.Join(dir, "results", "sweep.db"))
	if n := strings.Count(wantRuns, "\n"); n == 0 || gotRuns != wantRuns {
		t.Errorf("the merged runs differ from one machine's (%d runs, merged %d)%s", n, strings.Count(gotRuns, "\n"), firstDiff(gotRuns, wantRuns))
	}
	if gotTrace != wantTrace {
		t.Errorf("the merged trace differs from one machine's (%d rows, merged %d)%s",
			strings.Count(wantTrace, "\n"), strings.Count(gotTrace, "\n"), firstDiff(gotTrace, wantTrace))
	}
}

// firstDiff returns the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf(": line %d is\n\t%s\nwant\n\t%s", i+1, g[i], w[i])
		}
	}
	return ""
}

// slurmWorkDir is the directory a user submits from, like the
// repository's root: deployDir's experiments and sweep, the repository's
// deploy/, and results/ (which the repository has: Slurm opens a job's
// --output before the script can create its directory).
func slurmWorkDir(t *testing.T) (string, []string) {
	t.Helper()
	dir, env := deployDir(t)
	if out, err := exec.Command("cp", "-r", "../../deploy", dir).CombinedOutput(); err != nil {
		t.Fatalf("copy deploy: %v %s", err, out)
	}
	if err := os.Mkdir(filepath.Join(dir, "results"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, env
}

func TestSlurmArray(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster")
	}
	c := startSlurm(t)
	dir, env := slurmWorkDir(t)

	// As the README says.
	start := time.Now()
	jobid := c.sh(t, dir, env, "sbatch --parsable deploy/slurm-array.sh")
	merge := c.sh(t, dir, env, "sbatch --parsable --dependency=afterok:"+jobid+" deploy/slurm-merge.sh")
	states := c.wait(t, jobid, 2*time.Minute)
	for id, s := range states {
		if s != "COMPLETED" {
			t.Errorf("array task %s: %s", id, s)
		}
	}
	if len(states) != 4 {
		t.Errorf("the array ran %d tasks, want 4: %v", len(states), states)
	}
	s := c.wait(t, merge, time.Minute)[merge]
	wall := time.Since(start)
	out, _ := os.ReadFile(filepath.Join(dir, "results", "slurm-merge-"+merge+".out"))
	if s != "COMPLETED" {
		t.Fatalf("the merge job %s: %s\n%s", merge, s, out)
	}
	checkMerged(t, string(out))
	sameAsOneMachine(t, dir, env, "experiments/alpha.yaml")

	// The figure in the README: the array and its merge through the
	// scheduler against one process running the whole sweep.
	t0 := time.Now()
	sh(t, dir, env, "./sweep run --db once.db experiments/alpha.yaml")
	t.Logf("4-task array + merge through Slurm: %.1f s; one process: %.1f s; scheduler overhead per job: %.1f s",
		wall.Seconds(), time.Since(t0).Seconds(), (wall-time.Since(t0)).Seconds()/5)
}

// slurmSlowSweep writes experiments/NAME.yaml in dir: a program sweep of 64
// configs, each sleeping for pause, so that a shard runs long enough to be
// cancelled or timed out midway.
func slurmSlowSweep(t *testing.T, dir, name, pause string) string {
	t.Helper()
	text := `name: ` + name + `
method: command
command: [sh, -c, "sleep ` + pause + `; exec python3 programs/gd.py --alpha {alpha} --input {input} --goal {goal} --weight {weight} --iterations {iterations}"]
rate: alpha
iterations: 50
tolerance: 1e-10
divergence: 1e12
timeout: 5m
grid:
  alpha: [0.01, 0.1, 0.3, 1]
  input: [0.5, 1, 2, -1]
  goal: [0.8, -1]
  weight: [0.5, 0]
`
	file := "experiments/" + name + ".yaml"
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// shardOf returns the shard a shard's database says it holds (sweeps.shard)
// and its number of runs.
func shardOf(t *testing.T, path string) (shard string, runs int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var s sql.NullString
	if err := db.QueryRow(`SELECT shard, (SELECT count(*) FROM runs) FROM sweeps`).Scan(&s, &runs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return s.String, runs
}

// A task cancelled midway is resubmitted alone, as the README says: it
// resumes its own shard, and the merge is complete and equal.
func TestSlurmCancelledTask(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster")
	}
	c := startSlurm(t)
	dir, env := slurmWorkDir(t)
	env = append(env, "SWEEP_FILE="+slurmSlowSweep(t, dir, "slow", "0.25"))

	jobid := c.sh(t, dir, env, "sbatch --parsable deploy/slurm-array.sh")
	task := jobid + "_2"
	waitFor(t, time.Minute, task+" to run", func() bool { return c.states(t, task)[task] == "RUNNING" })
	time.Sleep(1500 * time.Millisecond)
	c.sh(t, dir, env, "scancel "+task)
	states := c.wait(t, jobid, 2*time.Minute)
	for id, s := range states {
		if want := map[bool]string{true: "CANCELLED", false: "COMPLETED"}[id == task]; s != want {
			t.Errorf("%s: %s, want %s", id, s, want)
		}
	}
	_, partial := shardOf(t, filepath.Join(dir, "results", "shard-2.db"))
	_, full := shardOf(t, filepath.Join(dir, "results", "shard-1.db"))
	t.Logf("the cancelled task stored %d runs (shard 1 has %d)", partial, full)

	again := c.sh(t, dir, env, "sbatch --parsable --array=2 deploy/slurm-array.sh")
	if s := c.wait(t, again, 2*time.Minute)[again+"_2"]; s != "COMPLETED" {
		t.Fatalf("the resubmitted task %s_2: %s", again, s)
	}
	if shard, runs := shardOf(t, filepath.Join(dir, "results", "shard-2.db")); shard != "2/4" || runs <= partial {
		t.Errorf("the resubmitted task stored shard %q with %d runs, want shard 2/4 with more than %d", shard, runs, partial)
	}
	merge := c.sh(t, dir, env, "sbatch --parsable --dependency=afterok:"+again+" deploy/slurm-merge.sh")
	if s := c.wait(t, merge, time.Minute)[merge]; s != "COMPLETED" {
		t.Fatalf("the merge job %s: %s", merge, s)
	}
	out, _ := os.ReadFile(filepath.Join(dir, "results", "slurm-merge-"+merge+".out"))
	if !strings.Contains(string(out), "sweep slow: 64 of 64 configs in") {
		t.Errorf("the merge is not complete:\n%s", out)
	}
	sameAsOneMachine(t, dir, env, "experiments/slow.yaml")
}

// A task killed by its time limit is requeued and resumes: the runs it
// stored are kept, none is run twice.
func TestSlurmTimeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Slurm cluster and waits for a one-minute time limit")
	}
	c := startSlurm(t)
	dir, env := slurmWorkDir(t)
	// Shard 3 of 4 (16 configs, 2 at a time) needs about 8 x 14 s: more
	// than the minute plus the 30 s between Slurm's checks of time limits.
	env = append(env, "SWEEP_FILE="+slurmSlowSweep(t, dir, "slower", "14"))

	jobid := c.sh(t, dir, env, "sbatch --parsable --array=3 --time=1 deploy/slurm-array.sh")
	task := jobid + "_3"
	if s := c.wait(t, jobid, 3*time.Minute)[task]; s != "TIMEOUT" {
		t.Fatalf("%s: %s, want TIMEOUT", task, s)
	}
	shard, first := shardOf(t, filepath.Join(dir, "results", "shard-3.db"))
	if shard != "3/4" || first == 0 {
		t.Fatalf("the timed-out task stored shard %q with %d runs, want some of shard 3/4", shard, first)
	}
	// A requeued job waits two minutes before it may start again (Slurm's
	// BeginTime); the README says how to start it at once, with more time.
	c.sh(t, dir, env, "scontrol requeue "+task+" && scontrol update JobId="+task+" StartTime=now TimeLimit=2")
	if s := c.wait(t, jobid, 3*time.Minute)[task]; s != "COMPLETED" {
		t.Fatalf("the requeued task %s: %s", task, s)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "results", "shard-3.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var runs, configs int
	var status string
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT config_index), (SELECT status FROM sweeps) FROM runs`).Scan(&runs, &configs, &status); err != nil {
		t.Fatal(err)
	}
	t.Logf("timed out after %d runs; after the requeue %d runs of %d configs, status %s", first, runs, configs, status)
	if runs != configs || status != "done" || runs <= first {
		t.Errorf("after the requeue: %d runs of %d configs, status %s (%d before)", runs, configs, status, first)
	}
}
