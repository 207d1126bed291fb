// Command tiny is the lesson's gradient descent for one weight, compiled:
// the program of bench/tiny.yaml, which bench/run.py runs 2,000 times
// through sweep and through xargs -P 2 to measure what sweep costs per run.
//
// Usage: tiny ALPHA INPUT GOAL WEIGHT ITERATIONS
//
// It prints one JSON line per step, {"step", "weight", "pred", "error",
// "delta", "weight_delta"}, ITERATIONS of them, buffered as Python's print
// is into a pipe or a file, numbers in shortest round-trip form with
// Python's NaN, Infinity and -Infinity.
package main

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 6 {
		fmt.Fprintln(os.Stderr, "usage: tiny ALPHA INPUT GOAL WEIGHT ITERATIONS")
		os.Exit(2)
	}
	var v [4]float64
	for i := range v {
		f, err := strconv.ParseFloat(os.Args[1+i], 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tiny:", err)
			os.Exit(2)
		}
		v[i] = f
	}
	iterations, err := strconv.Atoi(os.Args[5])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tiny:", err)
		os.Exit(2)
	}
	alpha, input, goal, weight := v[0], v[1], v[2], v[3]

	w := bufio.NewWriter(os.Stdout)
	var b []byte
	for step := range iterations {
		pred := input * weight
		delta := pred - goal
		errSq := delta * delta
		weightDelta := delta * input
		b = append(b[:0], `{"step": `...)
		b = strconv.AppendInt(b, int64(step), 10)
		b = appendField(b, "weight", weight)
		b = appendField(b, "pred", pred)
		b = appendField(b, "error", errSq)
		b = appendField(b, "delta", delta)
		b = appendField(b, "weight_delta", weightDelta)
		b = append(b, "}\n"...)
		if _, err := w.Write(b); err != nil {
			os.Exit(1) // sweep has read the deciding row and closed the pipe
		}
		weight -= alpha * weightDelta
	}
	if err := w.Flush(); err != nil {
		os.Exit(1)
	}
}

// appendField appends `, "name": x` to b, x written as Python's json does.
func appendField(b []byte, name string, x float64) []byte {
	b = append(b, `, "`...)
	b = append(b, name...)
	b = append(b, `": `...)
	switch {
	case math.IsNaN(x):
		return append(b, "NaN"...)
	case math.IsInf(x, 1):
		return append(b, "Infinity"...)
	case math.IsInf(x, -1):
		return append(b, "-Infinity"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}
