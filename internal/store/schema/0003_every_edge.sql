-- Every edge along the rate axis. Verdicts need not be monotone in the
-- rate (hot_cold's step_amount converges at 0.55, oscillates at 0.3 and
-- converges again at 0.1), so a kind of edge can have several edges per
-- input, goal and weight: boundaries gets n, the edge's number among those
-- of its kind by rate (0 the lowest), in its key. Edges stored before keep
-- what they were (one of each kind, n 0); refining again finds them all.
--
-- A reader of an older database gets the boundary view below as a
-- temporary view over the older table (see Reader.tempViews), so the view
-- reads only columns both have and numbers the edges itself.

DROP VIEW boundary;

CREATE TABLE boundaries_v3 (
    sweep_id  INTEGER NOT NULL REFERENCES sweeps (id),
    input     REAL    NOT NULL,
    goal      REAL    NOT NULL,
    weight    REAL    NOT NULL,
    edge      TEXT    NOT NULL, -- converge, diverge or overshoot
    n         INTEGER NOT NULL, -- the edge's number among those of its kind, by rate, from 0
    value     REAL,             -- the edge: the end of its bracket that converges (converge),
                                -- diverges (diverge) or never overshoots (overshoot); NULL: none found
    lower     REAL,             -- the final bracket; upper/lower - 1 <= precision
    upper     REAL,
    probes    INTEGER NOT NULL, -- runs made to find it
    precision REAL    NOT NULL,
    PRIMARY KEY (sweep_id, input, goal, weight, edge, n)
) STRICT;

INSERT INTO boundaries_v3 (sweep_id, input, goal, weight, edge, n, value, lower, upper, probes, precision)
SELECT sweep_id, input, goal, weight, edge, 0, value, lower, upper, probes, precision FROM boundaries;

DROP TABLE boundaries;

ALTER TABLE boundaries_v3 RENAME TO boundaries;

-- One row per edge: every rate at which convergence, divergence or
-- overshooting starts or stops along the grid (change), numbered by rate
-- within its kind (n, of edges), with its final bracket; a kind the grid
-- does not bracket is one row with edges 0 and NULL value. theory is where
-- the theory puts an edge of gradient descent: convergence stops and
-- divergence starts at 2/input^2 (the two close in on it as the budget
-- grows), overshooting starts at 1/input^2; NULL for the other edges and
-- for hot_cold. vs_theory is value/theory - 1.
CREATE VIEW boundary AS
SELECT sweep_id, sweep, input, goal, weight, edge, n, edges, change,
       value, lower, upper, theory,
       value / theory - 1 AS vs_theory,
       probes
FROM (SELECT sweep_id, sweep, input, goal, weight, edge, n, edges, change, value, lower, upper, probes,
             CASE WHEN method = 'gradient_descent' AND input != 0 THEN
                 CASE WHEN edge = 'converge' AND change = 'stops' OR edge = 'diverge' AND change = 'starts'
                          THEN 2 / (input * input)
                      WHEN edge = 'overshoot' AND change = 'starts'
                          THEN 1 / (input * input)
                 END
             END AS theory
      FROM (SELECT b.sweep_id, s.name AS sweep, s.method,
                   b.input, b.goal, b.weight, b.edge,
                   row_number() OVER w - 1 AS n,
                   count(b.value) OVER w2 AS edges,
                   -- value is the converging, diverging or never overshooting
                   -- end: convergence and divergence stop above a value at
                   -- the lower end, overshooting starts
                   CASE WHEN b.value IS NULL THEN NULL
                        WHEN (b.value = b.lower) = (b.edge != 'overshoot') THEN 'stops'
                        ELSE 'starts'
                   END AS change,
                   b.value, b.lower, b.upper, b.probes
            FROM boundaries b JOIN sweeps s ON s.id = b.sweep_id
            WINDOW w2 AS (PARTITION BY b.sweep_id, b.input, b.goal, b.weight, b.edge),
                   w AS (w2 ORDER BY b.lower)));
