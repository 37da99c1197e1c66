-- Nothing to change on SQLite: its tally triggers (0005) run per row without JSON. This file
-- keeps the migration numbers of both backends the same.
SELECT 1;
