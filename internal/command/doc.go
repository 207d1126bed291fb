// Package command runs a user's own program for one config of a sweep
// (method: command, issue 14) and judges its trace live, with the verdict
// rules of the built-in learning loop, so that a program's runs and the
// built-in rules' runs are the same kind of result.
//
// # The API
//
//	Check(p Program, names []string) error
//	Identity(p Program) (files []string, sum [32]byte, err error)
//	(p Program) Run(ctx, params []Param, lim grid.Limits, every int, emit func([]Row)) (Outcome, error)
//
// The sweep file parser calls argv.Parse (package sweep/internal/command/argv,
// which imports nothing of sweep's that imports grid) to report a bad
// placeholder at its place; the runner calls Check before anything runs,
// Identity for the sweep's identity, and Run once per config.
//
// # The command
//
// Program.Argv is run without a shell, in Program.Dir. A {name} anywhere in
// an element is replaced by the value of the parameter name, written the way
// Python's repr writes a float (argv.Format: 1.0, 0.0001, 1e-05, 1e+16), and
// {{ and }} are literal braces (so JSON in an argument is written with
// doubled braces). Each parameter is also in the environment,
// as SWEEP_<NAME>=<the same text>, added to sweep's own. argv[0] containing
// a slash is a path, relative to Dir unless absolute; any other argv[0] is
// looked up in PATH. stdin is empty (/dev/null).
//
// # The trace protocol
//
// stdout is the trace, one line per step; a final line without a newline
// counts. A step line is either
//
//   - a JSON object of numbers on one line (spaces before it allowed),
//     {"weight": 0.5, "pred": 0.25, "error": 0.3025}, where Python's NaN, Infinity and -Infinity are numbers too. "error"
//     is required; "weight", "pred" (or "prediction"), "delta" and
//     "weight_delta" are the other columns; "step", if given, must be the
//     row's 0-based index; any other key is a metric of the step, kept in
//     the order given. A key that is not a number, a key given twice, or a
//     line starting with { that is not such an object is a protocol error.
//
//   - the lesson's printout, a line starting (after spaces) with Error:, as
//     in "Error:0.30250000000000005 Prediction:0.25", with optional
//     Weight:, Delta: and Weight Delta: in any order, and values as
//     Python's str() prints floats (inf, -inf and nan included). Any other
//     key on such a line is a protocol error.
//
// Numbers are read with strconv.ParseFloat, so a row holds bit for bit the
// floats the program printed (in shortest round-trip form, as Python
// prints them). Any other line is the program's log, and is skipped.
//
// # Verdicts
//
// Rows are judged as they arrive, with the rules of runner.Trainer in its
// order, for row i (0-based):
//
//  1. diverged: !(error <= lim.Divergence), NaN and +Inf included;
//  2. converged: error < lim.Tolerance;
//  3. oscillating: i >= 2 and the weight equals the weight of row i-2;
//  4. stalled: the weight equals the weight of row i-1;
//  5. unfinished: i >= lim.Iterations-1, so a run has at most Iterations rows.
//
// The first rule that holds decides the run, and the deciding row is its
// last row. Rules 3 and 4 compare weights only of rows that give one: a
// program that never prints its weight can only converge, diverge or run
// out of iterations.
//
// Stalled is seen one row later than by the built-in loop: the built-in
// loop computes the next weight while it computes a row, and stops at the
// row whose update leaves the weight unchanged; a program's trace shows
// the unchanged weight only in the next row. So a command run that stalls
// has one row more than the built-in run of the same config (and a run
// whose weight stops changing on its last allowed row is unfinished, not
// stalled, since the row that would show it is beyond the budget).
//
// Once a row decides the run, Run stops the program (below): what it
// prints after the deciding row, and its exit status, are ignored. A
// program that ends without a deciding row is unfinished if it exited 0
// having printed at least one row (its last row is the last row), and
// failed otherwise. Run waits for the program to exit after its stdout
// ends: one that closes stdout and runs on is ended only by
// Program.Timeout or ctx.
//
// # Failed
//
// A run fails, with Outcome.Reason saying why, when the program cannot be
// started ("start: ..."), exits non-zero ("exit status 3"), dies by a
// signal it did not get from sweep ("signal: segmentation fault"), runs
// past Program.Timeout ("timeout after 30s"), exits 0 without a row ("no
// trace rows"), or breaks the protocol ("protocol: line 7, column 12:
// ..."). Protocol errors also stop the program. A hostile program's output
// cannot make sweep hold more than bounded memory: a line longer than 64
// KiB ("protocol: line 1 is longer than 65536 bytes"), a NUL byte or
// invalid UTF-8 in a line, more than 1 MiB of log lines ("protocol:
// more than 1 MiB of output that is not trace rows"), and more than 256
// MiB of kept trace rows, as printed ("protocol: more than 256 MiB of
// trace rows to store; ...", which only rows of many metrics reach), are
// protocol errors; rows forever are stopped by the iteration budget;
// stderr is drained as it comes, and only its last 20 lines (at most 4
// KiB) are kept, in Outcome.Stderr, for every run.
//
// # Processes
//
// Each program runs in a process group of its own. To stop it, Run sends
// SIGTERM to the group, and SIGKILL once Program.Grace (DefaultGrace, 2s,
// when 0) has passed or the program has exited, whichever is first; it
// always reaps the program, so no zombie is left. When the program exits
// by itself, what is left of its group is killed too: a run leaves no
// process behind, except one that left the group (setsid); if that one
// holds stdout or stderr open, Run stops reading once the pipe has been
// empty for a quarter second after the program's exit, and returns.
//
// On Linux the program has Pdeathsig SIGKILL, so a sweep killed by kill -9
// leaves no program running. What the program started (a shell script's
// python, say) is in the program's group, which the kernel does not kill
// then: so the first Run starts a guard (guard_unix.go), a shell in a
// process group of its own, shown by ps as sweep-guard, which Run tells of
// each program's group as it starts and as it is gone. However sweep ends,
// the guard's stdin ends with it, and the guard SIGKILLs the groups still
// running, then exits. The kernel ties Pdeathsig to the thread that
// started the child, not the process (golang/go#27505), so the goroutine
// that starts a program stays locked to its thread until the program is
// reaped (proc.go).
//
// When ctx is canceled (Ctrl-C), Run stops the program the same way, reaps
// it, and returns ctx.Err(): the run is not decided and must not be stored.
// So does a program that died by SIGTERM, SIGINT or SIGHUP just before ctx
// was canceled (within a second): a batch system (Slurm's scancel or time
// limit) signals every process of the job, the program with sweep.
// A Ctrl-C at the terminal reaches sweep alone, not the program, since the
// program is not in the terminal's foreground process group.
package command
