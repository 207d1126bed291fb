-- What a reader of a database older than schema 0007 sees in place of the
-- boundaries table that schema rebuilds: the edges with params '' (edges
-- found before are of the built-in rules, which have no other axes). A
-- database older than 0006 has that view already (read/0006).
CREATE TEMP VIEW IF NOT EXISTS boundaries AS
SELECT *, '' AS params
FROM main.boundaries;
