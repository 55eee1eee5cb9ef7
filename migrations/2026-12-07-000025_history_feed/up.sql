-- The event feed (issue 29): a reader that has seen an entry and asks for what came after it must never miss one,
-- even an entry that a slower transaction commits later with a smaller id. Every history entry records the
-- transaction that wrote it (`written_in`, its 64-bit id); the feed is ordered by (written_in, history, id) and
-- gives out only entries written below the horizon, the oldest transaction still running when the reader asks
-- (`feed_horizon()`): every transaction below it has ended, and every transaction that writes later has a larger
-- id than any horizon already used, so what a reader has passed can never be joined by a late entry. A long
-- transaction holds the horizon back (the feed waits for it); nothing is lost.

ALTER TABLE case_events ADD COLUMN written_in BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE supervision_notice_events
    ADD COLUMN written_in BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE admin_events ADD COLUMN written_in BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);

CREATE INDEX case_events_feed_idx ON case_events (written_in, id);
CREATE INDEX supervision_notice_events_feed_idx ON supervision_notice_events (written_in, id);
CREATE INDEX admin_events_feed_idx ON admin_events (written_in, id);

-- The oldest transaction still running (or the next to start, when none is): entries written below it are final.
-- STABLE: within one statement the snapshot, and so the horizon, does not move; the feed's query compares with it
-- once.
CREATE FUNCTION feed_horizon() RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint
$$;

-- A case's entries are read through the chain's index (case_id, chain_position) since migration 24, and sorted by
-- time there (a case holds tens of entries): the older index by (case_id, occurred_at, id) only cost every entry
-- written another index tuple (intake writes three or four per petition).
DROP INDEX case_events_case_idx;
