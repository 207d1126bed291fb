#!/usr/bin/env python3
"""Gradient descent with momentum for one weight: what the built-in rules
cannot do. The weight moves by a velocity that keeps a fraction
(momentum) of the last step: momentum 0 is the lesson's plain gradient
descent.

sweep runs it once per config of experiments/momentum.yaml; each step is
printed as a JSON object, and velocity, which is not a trace column, is
kept as a metric of the step (the trace_metrics view).
"""
import json
import os

alpha = float(os.environ["SWEEP_ALPHA"])
momentum = float(os.environ["SWEEP_MOMENTUM"])
input = float(os.environ["SWEEP_INPUT"])
goal = float(os.environ["SWEEP_GOAL"])
weight = float(os.environ["SWEEP_WEIGHT"])
iterations = int(os.environ["SWEEP_ITERATIONS"])

velocity = 0.0
for step in range(iterations):
    pred = input * weight
    delta = pred - goal
    error = delta * delta
    weight_delta = input * delta
    print(json.dumps({"weight": weight, "pred": pred, "error": error, "delta": delta,
                      "weight_delta": weight_delta, "velocity": velocity}))
    velocity = momentum * velocity - alpha * weight_delta
    weight = weight + velocity
