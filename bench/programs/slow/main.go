// Command slow is a program that diverges early and would otherwise run
// long: the program of bench/early_stop.yaml, with which bench/run.py
// measures what a run costs when sweep stops it at its deciding row.
//
// Usage: slow ALPHA ITERATIONS
//
// Each step takes 1 ms and then prints its row at once (unbuffered), one
// JSON line; the error is 0.5 for steps 0 to 4 and 1e13 from step 5 on,
// beyond a divergence bound of 1e12. Without sweep stopping it, it runs
// ITERATIONS steps, about a second for 1,000.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// divergeAt is the first step whose error is beyond the bound.
const divergeAt = 5

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: slow ALPHA ITERATIONS")
		os.Exit(2)
	}
	alpha, err := strconv.ParseFloat(os.Args[1], 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "slow:", err)
		os.Exit(2)
	}
	iterations, err := strconv.Atoi(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "slow:", err)
		os.Exit(2)
	}
	weight := 0.5
	for step := range iterations {
		time.Sleep(time.Millisecond)
		e := 0.5
		if step >= divergeAt {
			e = 1e13
		}
		line := `{"step": ` + strconv.Itoa(step) + `, "weight": ` + strconv.FormatFloat(weight, 'g', -1, 64) +
			`, "error": ` + strconv.FormatFloat(e, 'g', -1, 64) + "}\n"
		if _, err := os.Stdout.WriteString(line); err != nil {
			os.Exit(1) // sweep has read the deciding row and closed the pipe
		}
		weight += alpha
	}
}
