-- Traces stored as their weights only. Every other column of a trace row is
-- a pure function of the run's config and the row's weight, and SQLite
-- computes it in the view below with the same IEEE operations, in the same
-- order, as the learning rule did: the rows read back bit for bit while the
-- database stores 8 bytes' worth of text per row instead of 7 columns, and
-- a whole trace is one value to write.
--
-- trace_weights.weights is a JSON array of the weights at steps 0, 1, ...
-- (or, for a thinned trace, an object from step to weight). Numbers are
-- written in the shortest form that reads back as the same float64, which
-- SQLite's JSON parser does exactly; an infinite weight is written 9e999 or
-- -9e999 (which parse to infinity) and NaN as null.

ALTER TABLE sweeps ADD COLUMN trace_every INTEGER NOT NULL DEFAULT 1; -- 1: every row; 0: none; N: every Nth and the deciding row

CREATE TABLE trace_weights (
    run_id  INTEGER PRIMARY KEY REFERENCES runs (id),
    weights TEXT    NOT NULL
) STRICT;

-- Carry over traces stored by schema 2, one row per step. %!.17g prints
-- 17 significant digits, which read back as the same float64.
INSERT INTO trace_weights (run_id, weights)
SELECT run_id,
       '[' || group_concat(CASE
                               WHEN weight IS NULL THEN 'null'
                               WHEN weight > 1.7976931348623157e308 THEN '9e999'
                               WHEN weight < -1.7976931348623157e308 THEN '-9e999'
                               ELSE printf('%!.17g', weight)
                           END, ',') || ']'
FROM (SELECT run_id, weight FROM trace ORDER BY run_id, step)
GROUP BY run_id;

DROP TABLE trace;

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
