-- The history's index by jurisdiction, kind and time served the figures that counted history entries per request.
-- The figures now come from per-day aggregates, and the one count still read from the history (cases whose lead was
-- designated) has its own partial index; nothing reads this one any more, while every entry written (two or three
-- per petition) paid for it.
DROP INDEX IF EXISTS case_events_kind_idx;
