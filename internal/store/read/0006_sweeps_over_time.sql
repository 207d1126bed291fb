-- What a reader of a database older than schema 0006 sees in place of the
-- table that schema rebuilds: a temporary view of the same name, with the
-- new columns, which the schema's views (and people's queries) read as
-- they read the table of a newer database. Reading never writes, so the
-- table itself changes when a writing command next opens the file. (The
-- columns the schema adds to sweeps and runs are read as NULL through
-- views that Reader.tempViews makes for every newer schema alike.)

-- Edges found before are for the one set of limits of their sweep, and
-- are of the built-in rules, without params (schema 0007). Only
-- the columns every older schema has are read (n came with 0003; the
-- boundary view numbers the edges itself).
CREATE TEMP VIEW boundaries AS
SELECT b.sweep_id, b.input, b.goal, b.weight,
       (SELECT r.iterations FROM main.runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS iterations,
       (SELECT r.tolerance FROM main.runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS tolerance,
       (SELECT r.divergence FROM main.runs r WHERE r.id BETWEEN s.first_run_id AND s.first_run_id + s.configs - 1) AS divergence,
       b.edge, b.value, b.lower, b.upper, b.probes, b.precision,
       '' AS params -- schema 0007's: edges found before have no other axes
FROM main.boundaries b
JOIN main.sweeps s ON s.id = b.sweep_id;
