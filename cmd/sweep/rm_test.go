package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// otherRows returns, per table, every row that does not belong to the
// sweeps ids (by sweep_id, run_id in their runs, or the sweep's own row),
// as text: what removing those sweeps must leave exactly as it was.
func otherRows(t *testing.T, db *sql.DB, ids string) map[string]string {
	t.Helper()
	owned := map[string]string{
		"sweeps":        "id NOT IN (" + ids + ") AND coalesce(refines, 0) NOT IN (" + ids + ")",
		"runs":          "sweep_id NOT IN (SELECT id FROM sweeps WHERE id IN (" + ids + ") OR refines IN (" + ids + "))",
		"trace_weights": "run_id NOT IN (SELECT r.id FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.id IN (" + ids + ") OR s.refines IN (" + ids + "))",
		"trace_values":  "run_id NOT IN (SELECT r.id FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.id IN (" + ids + ") OR s.refines IN (" + ids + "))",
		"run_failures":  "run_id NOT IN (SELECT r.id FROM runs r JOIN sweeps s ON s.id = r.sweep_id WHERE s.id IN (" + ids + ") OR s.refines IN (" + ids + "))",
		"boundaries":    "sweep_id NOT IN (" + ids + ")",
		"run_counts":    "sweep_id NOT IN (SELECT id FROM sweeps WHERE id IN (" + ids + ") OR refines IN (" + ids + "))",
	}
	rows, err := db.Query("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		rows.Scan(&name)
		tables = append(tables, name)
	}
	rows.Close()
	out := map[string]string{}
	for _, table := range tables {
		cond, ok := owned[table]
		if !ok {
			t.Fatalf("table %s: the test does not know which of its rows belong to a sweep", table)
		}
		order := "1, 2"
		if table == "run_counts" {
			order = "1, 2, 3, 4, 5, 6, 7, 8, 9" // a row per block and group
		}
		out[table] = queryText(t, db, "SELECT * FROM "+table+" WHERE "+cond+" ORDER BY "+order)
	}
	return out
}

// TestRmLeavesNoOrphans removes a refined sweep from a database of three:
// integrity_check is ok, no row of any table refers to what was removed,
// and every row of the other sweeps, and their views, are as before.
func TestRmLeavesNoOrphans(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml": "name: a\nmethod: gradient_descent\nrefine: {precision: 1e-3}\ngrid: {alpha: [0.1, 0.3, 0.6], input: [1, 2], goal: 0.8, weight: 0.5}\n",
		"b.yaml": "name: b\nmethod: hot_cold\nrefine: {precision: 1e-3}\ngrid: {step_amount: [0.55, 0.3, 0.1], input: 0.5, goal: 0.8, weight: 0.5}\n",
		"c.yaml": "name: c\nmethod: gradient_descent\ntrace: {every: 3}\ngrid: {alpha: [0.1, 0.3], input: [1, 2], goal: 0.8, weight: 0.5}\n",
	}
	for name, text := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	for _, f := range []string{"a.yaml", "b.yaml", "c.yaml"} {
		if out, err := sweepCommand(dir, "run", "--db", "s.db", f).CombinedOutput(); err != nil {
			t.Fatalf("sweep run %s: %v\n%s", f, err, out)
		}
	}
	path := filepath.Join(dir, "s.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var aID int64
	db.QueryRow("SELECT id FROM sweeps WHERE name = 'a'").Scan(&aID)
	ids := fmt.Sprint(aID)
	before := otherRows(t, db, ids)
	viewsBefore := viewRows(t, db)
	out, err := sweepCommand(dir, "rm", "--db", "s.db", "--vacuum", "a").CombinedOutput()
	if err != nil {
		t.Fatalf("sweep rm: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "removed sweep a (id 1): 6 runs, 1 refinement with 25 probes, 31 traces, ") {
		t.Errorf("sweep rm says:\n%s", out)
	}
	openIntact(t, path, "integrity_check").Close()
	if after := otherRows(t, db, ids); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the other sweeps' rows changed:\nbefore %v\nafter  %v", before, after)
	}
	if after := viewRows(t, db); after != viewsBefore {
		t.Errorf("the other sweeps' views changed:\nbefore %s\nafter  %s", viewsBefore, after)
	}
	var orphans int
	err = db.QueryRow(`SELECT
		(SELECT count(*) FROM sweeps WHERE id = ?1 OR refines = ?1 OR refines NOT IN (SELECT id FROM sweeps)) +
		(SELECT count(*) FROM runs WHERE sweep_id NOT IN (SELECT id FROM sweeps)
			OR NOT EXISTS (SELECT 1 FROM sweeps s WHERE runs.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1)) +
		(SELECT count(*) FROM trace_weights WHERE run_id NOT IN (SELECT id FROM runs)) +
		(SELECT count(*) FROM trace_values WHERE run_id NOT IN (SELECT id FROM runs)) +
		(SELECT count(*) FROM run_failures WHERE run_id NOT IN (SELECT id FROM runs)) +
		(SELECT count(*) FROM boundaries WHERE sweep_id NOT IN (SELECT id FROM sweeps))`, aID).Scan(&orphans)
	if err != nil {
		t.Fatal(err)
	}
	if orphans != 0 {
		t.Errorf("%d rows refer to what was removed, or to nothing", orphans)
	}
	// The name is free again: running the file again stores it anew.
	if out, err := sweepCommand(dir, "run", "--db", "s.db", "a.yaml").CombinedOutput(); err != nil || !strings.Contains(string(out), "ran 6 in") {
		t.Errorf("sweep run a.yaml after rm: %v\n%s", err, out)
	}
}

// viewRows reads every view for the sweeps other than a, as text.
func viewRows(t *testing.T, db *sql.DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT * FROM verdict_counts WHERE sweep NOT IN ('a', 'a refine') ORDER BY 1, 2, 3, 4",
		"SELECT * FROM boundary WHERE sweep NOT IN ('a', 'a refine') ORDER BY 1, 2, 3, 4, 5, 6, 7",
		"SELECT count(*), sum(weight) FROM trace WHERE run_id IN (SELECT id FROM runs WHERE sweep_id IN (SELECT id FROM sweeps WHERE name != 'a' AND name != 'a refine'))",
		"SELECT name, status, configs, stored FROM sweep_overview WHERE name NOT IN ('a', 'a refine') ORDER BY id",
	} {
		b.WriteString(queryText(t, db, q))
	}
	return b.String()
}

// queryText returns every row of query, one per line, Go-syntax values.
func queryText(t *testing.T, db *sql.DB, query string) string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var b strings.Builder
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%#v\n", vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestRmRefusesRunningSweep tries to remove a sweep while a process runs
// it: refused, with nothing removed; once that process is killed (kill -9,
// so it never said it stopped), the sweep can be removed.
func TestRmRefusesRunningSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a sweep of several seconds")
	}
	dir := t.TempDir()
	cmd, _, _ := startSweep(t, dir)
	out, err := sweepCommand(dir, "rm", "--db", "slow.db", "slow").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "sweep: error: slow.db: sweep slow (1) is being run by another process") {
		t.Errorf("sweep rm of a running sweep: %v\n%s", err, out)
	}
	if n := storedRuns(t, filepath.Join(dir, "slow.db")); n == 0 {
		t.Errorf("the refused rm removed the runs")
	}
	cmd.Process.Kill()
	cmd.Wait()
	out, err = sweepCommand(dir, "rm", "--db", "slow.db", "slow").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "removed sweep slow (id 1): ") {
		t.Errorf("sweep rm once the process was killed: %v\n%s", err, out)
	}
	if n := storedRuns(t, filepath.Join(dir, "slow.db")); n != 0 {
		t.Errorf("%d runs left after rm", n)
	}
}

// TestRmKeepsSharedTraces removes a sweep whose runs another sweep reused:
// the traces they share stay, handed to the reusing sweep's runs, and
// read back as before; nothing refers to what is gone. Then the other way
// round: the first sweep, run again, reuses the second's runs, and
// removing the second keeps them too.
func TestRmKeepsSharedTraces(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml": "name: a\nmethod: gradient_descent\ngrid: {alpha: [0.1, 0.3, 0.6], input: [1, 2], goal: 0.8, weight: 0.5}\n",
		"d.yaml": "name: d\nmethod: gradient_descent\ngrid: {alpha: [0.1, 0.3, 0.6, 1.2], input: [1, 2, 3], goal: 0.8, weight: 0.5}\n",
	}
	for name, text := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
	run := func(file, want string) {
		t.Helper()
		out, err := sweepCommand(dir, "run", "--db", "s.db", file).CombinedOutput()
		if err != nil || !strings.Contains(string(out), want) {
			t.Fatalf("sweep run %s: %v, want %q in\n%s", file, err, want, out)
		}
	}
	run("a.yaml", "ran 6 in")
	run("d.yaml", "ran 6, reused 6 in")
	path := filepath.Join(dir, "s.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	answers := func(name string) string {
		return queryText(t, db, "SELECT * FROM trace WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = (SELECT max(id) FROM sweeps WHERE name = '"+name+"')) ORDER BY run_id, step") +
			queryText(t, db, "SELECT * FROM safe_alpha WHERE sweep = '"+name+"' ORDER BY input") +
			queryText(t, db, "SELECT * FROM first_overshoot WHERE run_id IN (SELECT id FROM runs WHERE sweep_id = (SELECT max(id) FROM sweeps WHERE name = '"+name+"')) ORDER BY run_id")
	}
	check := func(name, before string, rmArgs ...string) {
		t.Helper()
		out, err := sweepCommand(dir, append([]string{"rm", "--db", "s.db"}, rmArgs...)...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "6 traces kept for the sweeps that share them") {
			t.Fatalf("sweep rm %v: %v\n%s", rmArgs, err, out)
		}
		openIntact(t, path, "integrity_check").Close()
		if after := answers(name); after != before {
			t.Errorf("sweep %s answers differently after sweep rm %v", name, rmArgs)
		}
		var orphans int
		err = db.QueryRow(`SELECT
			(SELECT count(*) FROM runs WHERE trace_run IS NOT NULL AND trace_run NOT IN (SELECT run_id FROM trace_weights)) +
			(SELECT count(*) FROM runs WHERE trace_run IS NOT NULL AND trace_run NOT IN (SELECT id FROM runs WHERE trace_run IS NULL)) +
			(SELECT count(*) FROM trace_weights WHERE run_id NOT IN (SELECT id FROM runs WHERE trace_run IS NULL)) +
			(SELECT count(*) FROM runs WHERE sweep_id NOT IN (SELECT id FROM sweeps))`).Scan(&orphans)
		if err != nil || orphans != 0 {
			t.Errorf("%d rows refer to what was removed, or to nothing (%v)", orphans, err)
		}
	}
	before := answers("d")
	if !strings.Contains(before, "0.6") || strings.Count(before, "\n") < 100 {
		t.Fatalf("sweep d answers too little to compare:\n%s", before)
	}
	check("d", before, "a")
	// a again: every run of it is d's now.
	run("a.yaml", "ran 0, reused 6 in")
	before = answers("a")
	check("a", before, "d")
}
