-- What a reader of a database older than schema 0008 sees in place of what
-- that schema stores: the counts per block counted from the runs (as a
-- writing command's upgrade counts them, but on every query), and
-- first_overshoot read from the stored trace rows, as before 0008 (the
-- facts of runs stored before are known once the database is upgraded).
-- This file runs after the schema's views are made temporary views.
CREATE TEMP VIEW run_counts AS
SELECT sweep_id, config_index / 4096 AS block, alpha, step_amount, input, params, iterations, tolerance, divergence,
       count(*)                  AS configs,
       sum(verdict = 'converged')   AS converged,
       sum(verdict = 'diverged')    AS diverged,
       sum(verdict = 'oscillating') AS oscillating,
       sum(verdict = 'stalled')     AS stalled,
       sum(verdict = 'unfinished')  AS unfinished,
       sum(verdict = 'failed')      AS failed
FROM runs
GROUP BY sweep_id, config_index / 4096, alpha, step_amount, input, params, iterations, tolerance, divergence;

DROP VIEW temp.first_overshoot;

CREATE TEMP VIEW first_overshoot AS
SELECT run_id, min(step) AS step
FROM (SELECT run_id, step, delta, lag(delta) OVER (PARTITION BY run_id ORDER BY step) AS previous_delta
      FROM trace)
WHERE delta * previous_delta < 0
GROUP BY run_id;
