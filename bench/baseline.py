#!/usr/bin/env python3
"""The plain-Python baseline for workload W1: what a user would otherwise
write. It runs every config of W1 (bench/w1.yaml) with the textbook's loop
and stores every trace row with the standard sqlite3 module, the obvious
way: one executemany per run, one transaction for the whole sweep.

Usage: baseline.py DB
"""
import math
import sqlite3
import sys


def grid():
    alphas = [float(f"{10 ** (1 - k / 4):.15g}") for k in range(21)]
    inputs = [-3 + 0.25 * i for i in range(25)]
    for alpha in alphas:
        for inp in inputs:
            for goal in (-1.0, 0.0, 0.8, 2.0):
                for weight in (-1.0, 0.0, 0.5, 2.0):
                    yield alpha, inp, goal, weight


def train(alpha, inp, goal, weight, iterations=1000, tol=1e-12, bound=1e12):
    rows = []
    before = []
    for step in range(iterations):
        pred = inp * weight
        delta = pred - goal
        try:
            error = delta * delta
        except OverflowError:
            error = math.inf
        weight_delta = inp * delta
        new = weight - alpha * weight_delta
        rows.append((step, weight, pred, error, delta, weight_delta))
        if not error <= bound:
            return rows, "diverged"
        if error < tol:
            return rows, "converged"
        if step >= 2 and weight == before[-2]:
            return rows, "oscillating"
        if new == weight:
            return rows, "stalled"
        before.append(weight)
        weight = new
    return rows, "unfinished"


def main():
    db = sqlite3.connect(sys.argv[1])
    db.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, alpha REAL, input REAL, goal REAL,"
               " weight REAL, verdict TEXT, steps INTEGER)")
    db.execute("CREATE TABLE trace (run_id INTEGER, step INTEGER, weight REAL, pred REAL,"
               " error REAL, delta REAL, weight_delta REAL, PRIMARY KEY (run_id, step))")
    configs = rows_total = 0
    for run_id, (alpha, inp, goal, weight) in enumerate(grid(), 1):
        rows, verdict = train(alpha, inp, goal, weight)
        db.execute("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (run_id, alpha, inp, goal, weight, verdict, len(rows)))
        db.executemany("INSERT INTO trace VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(run_id,) + r for r in rows])
        configs += 1
        rows_total += len(rows)
    db.commit()
    db.close()
    print(f"configs {configs} trace_rows {rows_total}")


if __name__ == "__main__":
    main()
