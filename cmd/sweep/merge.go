package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"sweep/internal/store"
)

const mergeUsage = `Usage: sweep merge --db OUT IN...

Combines the databases IN (the shards of a sweep, run on many machines with
--shard) into OUT, created when missing: the same runs, verdicts and trace
rows as running the whole sweep on one machine. The inputs must hold the
same sweeps as each other (shards of the same sweep files); OUT may hold
other sweeps already, and keeps them. Merging a database twice adds
nothing. Exits 1 when a sweep is still incomplete afterwards (a shard is
missing), 0 when every sweep is complete.

Flags:
`

func runMerge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	out := fs.String("db", "", "the database to merge into (`OUT`)")
	inputs, code, done := parseCommand(fs, args, mergeUsage, stdout, stderr)
	if done {
		return code
	}
	switch {
	case *out == "":
		return report(stderr, usageError{msg: "merge needs --db OUT", hint: "sweep merge --db results/sweep.db shard-1.db shard-2.db ..."})
	case len(inputs) == 0:
		return report(stderr, usageError{msg: "merge needs the databases to merge", hint: "sweep merge --db results/sweep.db shard-1.db shard-2.db ..."})
	}
	if err := store.CheckName(*out); err != nil {
		return report(stderr, err)
	}
	var fps []map[string]string
	for _, in := range inputs {
		// Compared as files: ./s2.db, a symlink or a hard link to s2.db
		// are s2.db.
		for _, suffix := range sidecars {
			if sameFile(in, *out+suffix) {
				return report(stderr, usageError{msg: fmt.Sprintf("%s is both --db %s and an input", in, *out), hint: "merge into a database of its own; inputs are only read"})
			}
		}
		fp, err := store.Fingerprints(ctx, in)
		if err != nil {
			return report(stderr, err)
		}
		fps = append(fps, fp)
	}
	if err := store.SameSweeps(inputs, fps); err != nil {
		return report(stderr, err)
	}
	st, err := store.Open(ctx, *out)
	if err != nil {
		return report(stderr, err)
	}
	defer st.Close()
	final := map[string]store.Merged{}
	var order []string
	for _, in := range inputs {
		merged, err := st.Merge(ctx, in)
		if err != nil {
			return report(stderr, err)
		}
		for _, m := range merged {
			fmt.Fprintf(stdout, "%s: sweep %s: added %d runs\n", in, m.Name, m.Added)
			if _, seen := final[m.Fingerprint]; !seen {
				order = append(order, m.Fingerprint)
			}
			final[m.Fingerprint] = m
		}
	}
	var incomplete []string
	for _, fp := range order {
		m := final[fp]
		fmt.Fprintf(stdout, "sweep %s: %d of %d configs in %s\n", m.Name, m.Stored, m.Configs, *out)
		if m.Stored < m.Configs {
			incomplete = append(incomplete, fmt.Sprintf("%s (%d of %d configs)", m.Name, m.Stored, m.Configs))
		}
	}
	if len(incomplete) > 0 {
		printError(stderr, fmt.Sprintf("incomplete in %s: %s", *out, strings.Join(incomplete, ", ")),
			"merge the missing shards' databases too, or run the sweep file into "+*out+" to fill the gaps")
		return exitFailed
	}
	return exitOK
}
