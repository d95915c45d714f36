-- Seeds the portfolio benchmark on PostgreSQL, after `socval admin
-- seed-bench --orgs 1` created organisation bench-001 (and applied the
-- migrations). Written straight in SQL for speed: these rows are not
-- audited, which a real portal never does. Deterministic (no random()).
--
-- 100 supplier companies; 10,000 five-year contracts starting between
-- 2020-04-01 and 2021-03-31 (so all 20 quarters have ended), each with
-- commitments for 5 measures x 5 contract years (250,000 rows); one
-- return per quarter (200,000) with one line per measure: 1,000,000 lines,
-- 90% verified, 5% pending, 5% rejected, delivering between 75% and 135%
-- of the profile, so that contracts are red, amber and green (about 40%
-- at risk).
--
-- psql variables: org (organisation id), framework_source (the TOML).
\set ON_ERROR_STOP on
BEGIN;

INSERT INTO frameworks (org_id, name, edition, format, source, sha256, created_at)
VALUES (:org, 'open-default', 'bench', 'toml', :'framework_source',
        encode(sha256(convert_to(:'framework_source', 'UTF8')), 'hex'), now());

INSERT INTO suppliers (org_id, name, company_number, postcode, created_at)
SELECT :org, 'Bench supplier ' || s, lpad(s::text, 8, '0'), 'ZZ1 1AA', now()
FROM generate_series(1, 100) AS s;

INSERT INTO contracts (org_id, supplier_id, reference, title, category, value_pence, start_date,
                       years, framework_id, valuation_year, evidence, created_at)
SELECT :org,
       (SELECT min(id) FROM suppliers WHERE org_id = :org) + (c % 100),
       'BENCH-' || lpad(c::text, 5, '0'),
       'Bench contract ' || c,
       (ARRAY['Places', 'People', 'Corporate'])[1 + c % 3],
       10000000 + (c % 97) * 1000000,
       DATE '2020-04-01' + (c % 365),
       5,
       (SELECT id FROM frameworks WHERE org_id = :org AND edition = 'bench'),
       '2025/26',
       'delivery_plan',
       now()
FROM generate_series(1, 10000) AS c;

-- Measures: OD02 RLW hours, OD06 £ donated, OD07 volunteering hours (valued);
-- OD01 local FTE, OD03 apprenticeship weeks (counted, not priced).
INSERT INTO contract_commitments (contract_id, position, measure, contract_year, units)
SELECT k.id, (m.n - 1) * 5 + y, m.code, y, (m.base * (1 + k.id % 4))::text
FROM contracts k
CROSS JOIN (VALUES (1, 'OD02', 4000), (2, 'OD06', 2000), (3, 'OD07', 400), (4, 'OD01', 2), (5, 'OD03', 52))
     AS m (n, code, base)
CROSS JOIN generate_series(1, 5) AS y
WHERE k.org_id = :org;

INSERT INTO delivery_returns (org_id, contract_id, supplier_id, contract_year, quarter, narrative,
                              submitted_by, submitted_at)
SELECT :org, k.id, k.supplier_id, 1 + (q - 1) / 4, 1 + (q - 1) % 4, 'Bench return',
       'bench-seed', now()
FROM contracts k CROSS JOIN generate_series(1, 20) AS q
WHERE k.org_id = :org;

-- Each line delivers (75 + contract's share) percent of the quarter's profile;
-- the share runs 0..60 over the contracts.
INSERT INTO return_lines (return_id, measure, units, status, comment, reviewed_by, reviewed_at)
SELECT r.id, cc.measure,
       round(cc.units::numeric / 4 * (75 + (r.contract_id % 61)) / 100, 2)::text,
       CASE WHEN (r.id + m.n) % 20 = 0 THEN 'pending'
            WHEN (r.id + m.n) % 20 = 1 THEN 'rejected'
            ELSE 'verified' END,
       CASE WHEN (r.id + m.n) % 20 = 1 THEN 'Evidence does not show this' ELSE '' END,
       CASE WHEN (r.id + m.n) % 20 = 0 THEN NULL ELSE 'bench-officer' END,
       CASE WHEN (r.id + m.n) % 20 = 0 THEN NULL ELSE now() END
FROM delivery_returns r
JOIN contract_commitments cc ON cc.contract_id = r.contract_id AND cc.contract_year = r.contract_year
JOIN (VALUES ('OD02', 1), ('OD06', 2), ('OD07', 3), ('OD01', 4), ('OD03', 5)) AS m (code, n)
  ON m.code = cc.measure
WHERE r.org_id = :org;

-- One audit row, as a change through the portal would write: the
-- dashboard's cache is keyed on the organisation's latest audit row.
INSERT INTO audit_log (at, actor_user_id, actor, org_id, action, entity_type, entity_id, before, after)
VALUES (now(), NULL, 'bench-seed', :org, 'create', 'bench_portfolio', 'seed', NULL, '{"contracts":10000}');

COMMIT;
ANALYZE;
