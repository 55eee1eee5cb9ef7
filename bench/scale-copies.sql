-- Grows the bulk data by whole copies of the 50,000 cases of seed-50k.sql (run after the server's start-up
-- backfill stored their deadlines): copy k (psql -v kfrom=.. -v kto=..) gives each original case a twin with a new
-- id, the reference <county>-(2000+k)-<same serial>, the same status, unit, received_at and history, and copies its
-- STORED DEADLINES and next_due_at by SQL (the same history gives the same deadlines, so this is what the
-- backfill would have written, without its 1-2 ms per case); supervision notices and escalations are copied with
-- their cases. Triggers are off for the session (session_replication_role = replica): no NOTIFY per history row,
-- no foreign-key checks. Distribution per copy = the original's, so every figure grows linearly.
\timing on
SET session_replication_role = replica;
SET work_mem = '256MB';
CREATE TEMP TABLE copy_map AS
 SELECT c.id AS src, gen_random_uuid() AS dst, k,
        split_part(c.reference, '-', 3)::int - 100000 AS g
 FROM cases c CROSS JOIN generate_series(:kfrom, :kto) k
 WHERE c.title LIKE '批量案件%' AND split_part(c.reference, '-', 2) = '2025';
CREATE INDEX ON copy_map (src);

INSERT INTO cases (id, reference, query_code_hash, jurisdiction_code, status, channel, category, title, content,
     petitioner_name, received_at, current_unit_id, routing, next_due_at)
 SELECT m.dst, c.jurisdiction_code || '-' || (2000 + m.k) || '-' || split_part(c.reference, '-', 3),
        c.query_code_hash, c.jurisdiction_code, c.status, c.channel, c.category,
        regexp_replace(c.title, '^批量案件[0-9]+', '批量案件' || (m.k * 50000 + m.g)),
        '内容 ' || md5((m.k * 50000 + m.g)::text), c.petitioner_name, c.received_at, c.current_unit_id,
        c.routing, c.next_due_at
 FROM copy_map m JOIN cases c ON c.id = m.src;

INSERT INTO case_events (case_id, jurisdiction_code, kind, to_status, occurred_at, payload)
 SELECT m.dst, e.jurisdiction_code, e.kind, e.to_status, e.occurred_at, e.payload
 FROM copy_map m JOIN case_events e ON e.case_id = m.src;

INSERT INTO case_deadlines (case_id, seq, jurisdiction_code, kind, starts_at, due_at, met_at, waived)
 SELECT m.dst, d.seq, d.jurisdiction_code, d.kind, d.starts_at, d.due_at, d.met_at, d.waived
 FROM copy_map m JOIN case_deadlines d ON d.case_id = m.src;

CREATE TEMP TABLE notice_map AS
 SELECT s.src, s.k, gen_random_uuid() AS dst
 FROM (SELECT DISTINCT nc.notice_id AS src, m.k FROM supervision_notice_cases nc JOIN copy_map m ON m.src = nc.case_id) s;
INSERT INTO supervision_notices (id, jurisdiction_code, target_unit_id, issuer_account_id, issuer_unit_id,
     notice_type, trigger_reason, requirements, status, issued_at, response_due_at)
 SELECT nm.dst, n.jurisdiction_code, n.target_unit_id, n.issuer_account_id, n.issuer_unit_id, n.notice_type,
        n.trigger_reason, n.requirements, n.status, n.issued_at, n.response_due_at
 FROM notice_map nm JOIN supervision_notices n ON n.id = nm.src;
INSERT INTO supervision_notice_cases (notice_id, case_id, jurisdiction_code)
 SELECT nm.dst, m.dst, nc.jurisdiction_code
 FROM notice_map nm JOIN supervision_notice_cases nc ON nc.notice_id = nm.src
 JOIN copy_map m ON m.src = nc.case_id AND m.k = nm.k;

INSERT INTO escalations (id, case_id, jurisdiction_code, kind, from_jurisdiction, to_jurisdiction, reason,
                          requested_at, due_at, status)
 SELECT gen_random_uuid(), m.dst, e.jurisdiction_code, e.kind, e.from_jurisdiction, e.to_jurisdiction, e.reason,
        e.requested_at, e.due_at, e.status
 FROM escalations e JOIN copy_map m ON m.src = e.case_id;

-- The copies were written with triggers off: recount the portal figures' aggregates from the cases (what the
-- triggers would have kept), as an operator does after a bulk load that bypassed them.
RESET session_replication_role;
SELECT rebuild_figures();
ANALYZE;
