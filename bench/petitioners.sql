-- Petitioners for the intake rounds (side-by-side.sh, phase intake): :petitioners accounts with no earlier case
-- (bench.fresh.NNN) and as many with 1,000 earlier cases each (bench.history.NNN: 990 closed, 10 still open, on a
-- mix of matters), so the rounds show whether a petitioner's history makes intake slower. They sign in with the
-- demo password (the demo petitioner's hash). intake-cleanup.sql removes the earlier cases again.
--   psql -v petitioners=256 -f petitioners.sql
\timing on
INSERT INTO accounts (id, username, password_hash, display_name, roles)
SELECT gen_random_uuid(), 'bench.' || kind || '.' || lpad(n::text, 3, '0'), p.password_hash, '压测' || kind || n,
       ARRAY['PETITIONER']
FROM (VALUES ('fresh'), ('history')) k(kind), generate_series(1, :petitioners) n,
     (SELECT password_hash FROM accounts WHERE username = 'demo.petitioner') p
ON CONFLICT (username) DO NOTHING;

SET petition.bulk_load = 'on';
INSERT INTO cases (id, reference, query_code_hash, jurisdiction_code, status, channel, category, title, content,
     petitioner_name, petitioner_account_id, received_at, routing)
SELECT gen_random_uuid(), '510502-2024-h' || lpad(a.n::text, 3, '0') || lpad(g::text, 4, '0'), '\x00', '510502',
       CASE WHEN g <= 10 THEN 'SUBMITTED' ELSE 'CLOSED' END, 'ONLINE', 'APPEAL_DEMAND',
       '历史来信' || g || (ARRAY['拖欠工资','物业维修','征地补偿','噪音扰民','低保申请','房屋质量'])[1 + g % 6],
       '早年反映的问题 ' || md5(a.n::text || '-' || g), a.display_name, a.id,
       now() - interval '3 years' + g * interval '1 day', CASE WHEN g <= 10 THEN NULL ELSE 'ASSIGNED' END
FROM (SELECT id, display_name, substring(username FROM '[0-9]+$')::int AS n FROM accounts
      WHERE username ~ '^bench\.history\.[0-9]{3}$') a, generate_series(1, 1000) g
WHERE a.n <= :petitioners
ON CONFLICT (reference) DO NOTHING;
RESET petition.bulk_load;
ANALYZE;
