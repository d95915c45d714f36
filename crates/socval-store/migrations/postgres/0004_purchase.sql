-- Small purchases (under the organisation's small-purchase threshold) with
-- their quotes, and the sample audits drawn from them, for PostgreSQL.
-- Conventions as in 0001_accounts.sql (kept identical in migrations/sqlite):
-- money in whole pence, times TIMESTAMPTZ, dates DATE.

CREATE TABLE purchases (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The officer's reference (order number), unique per organisation
    -- ignoring case.
    reference TEXT NOT NULL CHECK (reference <> ''),
    description TEXT NOT NULL,
    value_pence BIGINT NOT NULL CHECK (value_pence > 0),
    purchase_date DATE NOT NULL,
    -- Why no local supplier quoted, when none did.
    justification TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX purchases_org_reference ON purchases (org_id, lower(reference));
CREATE INDEX purchases_org_date ON purchases (org_id, purchase_date);

-- The quotes obtained for a purchase, in the order entered. `location` is
-- the classification socval_core::quotes uses: the supplier is in the
-- organisation's own district, in the wider region, or outside both.
CREATE TABLE purchase_quotes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purchase_id BIGINT NOT NULL REFERENCES purchases (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    supplier TEXT NOT NULL CHECK (supplier <> ''),
    postcode TEXT NOT NULL,
    amount_pence BIGINT NOT NULL CHECK (amount_pence > 0),
    location TEXT NOT NULL CHECK (location IN ('local', 'region', 'outside')),
    UNIQUE (purchase_id, position)
);

-- A sample audit: the seed and size it was drawn with, the population it
-- was drawn from, the result and the opinion. The sampled purchases are
-- kept as they were judged at the time (purchase_audit_items), so a later
-- edit of a purchase does not change a past audit.
CREATE TABLE purchase_audits (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    seed BIGINT NOT NULL CHECK (seed >= 0),
    sample_size BIGINT NOT NULL CHECK (sample_size > 0),
    -- Financial year ('2025/26') the population was limited to, or '' for all.
    financial_year TEXT NOT NULL DEFAULT '',
    threshold_pence BIGINT NOT NULL,
    population BIGINT NOT NULL CHECK (population >= 0),
    compliant BIGINT NOT NULL CHECK (compliant >= 0),
    -- Compliant ÷ sampled × 100, exact decimal text.
    compliance_percent TEXT NOT NULL,
    opinion TEXT NOT NULL CHECK (opinion IN ('substantial', 'reasonable', 'limited', 'none')),
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX purchase_audits_org ON purchase_audits (org_id, id);

CREATE TABLE purchase_audit_items (
    audit_id BIGINT NOT NULL REFERENCES purchase_audits (id) ON DELETE CASCADE,
    -- Order drawn, from 1.
    position BIGINT NOT NULL,
    purchase_id BIGINT REFERENCES purchases (id) ON DELETE SET NULL,
    reference TEXT NOT NULL,
    value_pence BIGINT NOT NULL,
    compliant BOOLEAN NOT NULL,
    -- Why not compliant, one reason per line; empty if compliant.
    reasons TEXT NOT NULL,
    PRIMARY KEY (audit_id, position)
);
