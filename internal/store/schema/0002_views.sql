-- Ready-made views: the questions people studying learning rates keep
-- writing by hand. Their names and columns are documented in the README and
-- are a contract, like the tables. Each carries the sweep's name as sweep,
-- so that WHERE sweep = 'alpha' picks one sweep out of a database.

-- One row per stored step, with the columns DOMAIN.md names. pred, delta
-- and error are computed exactly as the learning rules compute them;
-- weight_delta is input * delta for gradient descent and, for hot_cold, the
-- step as it is subtracted: +step_amount when a step down predicts better,
-- -step_amount when a step up does, 0 on a tie.
CREATE VIEW trace AS
SELECT run_id,
       step,
       weight,
       pred,
       delta * delta AS error,
       delta,
       CASE
           WHEN step_amount IS NULL THEN input * delta
           WHEN down_error < up_error THEN step_amount
           WHEN down_error > up_error THEN -step_amount
           ELSE 0.0
       END AS weight_delta
FROM (SELECT run_id, step, weight, pred, pred - goal AS delta, input, step_amount,
             (goal - input * (weight + step_amount)) * (goal - input * (weight + step_amount)) AS up_error,
             (goal - input * (weight - step_amount)) * (goal - input * (weight - step_amount)) AS down_error
      FROM (SELECT t.run_id,
                   CAST(j.key AS INTEGER) AS step,
                   j.value                AS weight,
                   r.input * j.value      AS pred,
                   r.input,
                   r.goal,
                   r.step_amount
            FROM trace_weights t
            JOIN runs r ON r.id = t.run_id
            JOIN json_each(t.weights) j));

-- How many configs ended in each verdict, per learning rate of each sweep.
CREATE VIEW verdict_counts AS
SELECT runs.sweep_id,
       sweeps.name                       AS sweep,
       runs.method,
       runs.alpha,
       runs.step_amount,
       count(*)                          AS configs,
       sum(runs.verdict = 'converged')   AS converged,
       sum(runs.verdict = 'diverged')    AS diverged,
       sum(runs.verdict = 'oscillating') AS oscillating,
       sum(runs.verdict = 'stalled')     AS stalled,
       sum(runs.verdict = 'unfinished')  AS unfinished
FROM runs
JOIN sweeps ON sweeps.id = runs.sweep_id
GROUP BY runs.sweep_id, runs.method, runs.alpha, runs.step_amount;

-- Per input of each gradient-descent sweep: the largest alpha at which every
-- goal and starting weight swept converged, the smallest larger alpha at
-- which some did not, and the theory's bounds beside them: alpha < 2/input^2
-- converges, alpha <= 1/input^2 never overshoots. NULL where there is none
-- (input 0 learns nothing, so it has no safe alpha and no bound).
CREATE VIEW safe_alpha AS
WITH per_alpha AS (
    SELECT sweep_id, input, alpha, sum(verdict != 'converged') = 0 AS all_converged
    FROM runs
    WHERE method = 'gradient_descent'
    GROUP BY sweep_id, input, alpha
),
safe AS (
    SELECT sweep_id, input, max(alpha) FILTER (WHERE all_converged) AS largest_safe_alpha
    FROM per_alpha
    GROUP BY sweep_id, input
)
SELECT safe.sweep_id,
       (SELECT name FROM sweeps WHERE id = safe.sweep_id) AS sweep,
       safe.input,
       safe.largest_safe_alpha,
       (SELECT min(p.alpha) FROM per_alpha p
        WHERE p.sweep_id = safe.sweep_id AND p.input = safe.input
          AND NOT p.all_converged AND p.alpha > coalesce(safe.largest_safe_alpha, 0)) AS smallest_unsafe_alpha,
       CASE WHEN safe.input != 0 THEN 2 / (safe.input * safe.input) END AS theory_largest_alpha,
       CASE WHEN safe.input != 0 THEN 1 / (safe.input * safe.input) END AS theory_no_overshoot_alpha
FROM safe;

-- Every gradient-descent run beside its theory: alpha*input^2, the factor
-- r = 1 - alpha*input^2 by which the miss shrinks or grows each step, and the
-- regime that r implies.
CREATE VIEW theory AS
SELECT id AS run_id,
       sweep_id,
       (SELECT name FROM sweeps WHERE id = sweep_id) AS sweep,
       alpha,
       input,
       goal,
       weight,
       verdict,
       steps,
       predicted_verdict,
       predicted_steps,
       alpha * input * input     AS alpha_input2,
       1 - alpha * input * input AS r,
       CASE
           WHEN input = 0                     THEN 'no learning'
           WHEN alpha * input * input < 1     THEN 'monotone'
           WHEN alpha * input * input = 1     THEN 'one step'
           WHEN alpha * input * input < 2     THEN 'overshooting'
           WHEN alpha * input * input = 2     THEN 'oscillating'
           ELSE 'diverging'
       END AS regime
FROM runs
WHERE method = 'gradient_descent';

-- Runs where experiment and theory disagree: another verdict, or a step count
-- off by more than one (one step either way is the honest rounding margin:
-- the theory's step count is a logarithm that can land on either side of a
-- whole number).
CREATE VIEW mismatch AS
SELECT run_id,
       sweep_id,
       sweep,
       alpha,
       input,
       goal,
       weight,
       verdict,
       predicted_verdict,
       steps,
       predicted_steps,
       steps - predicted_steps AS step_difference,
       r,
       CASE WHEN verdict != predicted_verdict THEN 'verdict' ELSE 'steps' END AS disagreement
FROM theory
WHERE verdict != predicted_verdict OR abs(steps - predicted_steps) > 1;

-- The first step at which each run overshot: delta changed sign, so the
-- prediction jumped past the goal.
CREATE VIEW first_overshoot AS
SELECT run_id, min(step) AS step
FROM (SELECT run_id, step, delta, lag(delta) OVER (PARTITION BY run_id ORDER BY step) AS previous_delta
      FROM trace)
WHERE delta * previous_delta < 0
GROUP BY run_id;

-- For each run that diverged, the step at which its error left the bound (or
-- stopped being a number) and the error there, beside the theory's step.
CREATE VIEW divergence_onset AS
SELECT runs.id         AS run_id,
       runs.sweep_id,
       sweeps.name     AS sweep,
       runs.method,
       runs.alpha,
       runs.step_amount,
       runs.input,
       runs.goal,
       runs.weight,
       runs.steps - 1  AS step,
       trace.error     AS error,
       runs.divergence AS bound,
       runs.predicted_steps - 1 AS predicted_step
FROM runs
JOIN sweeps ON sweeps.id = runs.sweep_id
JOIN trace ON trace.run_id = runs.id AND trace.step = runs.steps - 1
WHERE runs.verdict = 'diverged';

-- Each sweep with how far it has got and its verdict counts.
CREATE VIEW sweep_overview AS
SELECT sweeps.id,
       sweeps.name,
       sweeps.method,
       sweeps.status,
       sweeps.started_at,
       sweeps.finished_at,
       sweeps.configs,
       count(runs.id)                    AS stored,
       sweeps.trace_every,
       coalesce(sum(runs.verdict = 'converged'), 0)   AS converged,
       coalesce(sum(runs.verdict = 'diverged'), 0)    AS diverged,
       coalesce(sum(runs.verdict = 'oscillating'), 0) AS oscillating,
       coalesce(sum(runs.verdict = 'stalled'), 0)     AS stalled,
       coalesce(sum(runs.verdict = 'unfinished'), 0)  AS unfinished
FROM sweeps
LEFT JOIN runs ON runs.id BETWEEN sweeps.first_run_id AND sweeps.first_run_id + sweeps.configs - 1
GROUP BY sweeps.id;

-- The edges refine found for each input, goal and weight of a sweep, beside
-- the theory's (gradient descent): 2/input^2 lies between the converge and
-- the diverge edge and the two close in on it as the budget grows; the
-- overshoot edge is 1/input^2. The relative differences are edge/theory - 1.
CREATE VIEW boundary AS
SELECT sweep_id, sweep, input, goal, weight,
       converge_edge, diverge_edge, theory_edge,
       converge_edge / theory_edge - 1 AS converge_vs_theory,
       diverge_edge / theory_edge - 1  AS diverge_vs_theory,
       overshoot_edge, theory_overshoot,
       overshoot_edge / theory_overshoot - 1 AS overshoot_vs_theory,
       probes
FROM (SELECT b.sweep_id,
             s.name AS sweep,
             b.input, b.goal, b.weight,
             max(CASE WHEN b.edge = 'converge' THEN b.value END)  AS converge_edge,
             max(CASE WHEN b.edge = 'diverge' THEN b.value END)   AS diverge_edge,
             max(CASE WHEN b.edge = 'overshoot' THEN b.value END) AS overshoot_edge,
             CASE WHEN s.method = 'gradient_descent' AND b.input != 0 THEN 2 / (b.input * b.input) END AS theory_edge,
             CASE WHEN s.method = 'gradient_descent' AND b.input != 0 THEN 1 / (b.input * b.input) END AS theory_overshoot,
             sum(b.probes) AS probes
      FROM boundaries b JOIN sweeps s ON s.id = b.sweep_id
      GROUP BY b.sweep_id, b.input, b.goal, b.weight);
