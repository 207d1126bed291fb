#!/usr/bin/env python3
"""The lesson's gradient descent for one weight: predict, compare, learn.

sweep runs it once per config of experiments/gd_python.yaml and reads its
printout, one line per step, as the trace.
"""
import argparse

parser = argparse.ArgumentParser()
for name in ("alpha", "input", "goal", "weight"):
    parser.add_argument("--" + name, type=float, required=True)
parser.add_argument("--iterations", type=int, default=1000)
args = parser.parse_args()

weight, goal_pred, input, alpha = args.weight, args.goal, args.input, args.alpha

for iteration in range(args.iterations):
    pred = input * weight
    error = (pred - goal_pred) ** 2
    delta = pred - goal_pred
    weight_delta = delta * input
    print("Error:" + str(error) + " Prediction:" + str(pred) + " Weight:" + str(weight)
          + " Delta:" + str(delta) + " Weight Delta:" + str(weight_delta))
    weight = weight - alpha * weight_delta
