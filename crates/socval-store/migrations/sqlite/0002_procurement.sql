-- Procurements, sealed bids, evaluation scores and contracts, for SQLite.
--
-- Conventions as in 0001 (kept identical in migrations/postgres): money is
-- whole pence in *_pence INTEGER columns; units, weights and scores are
-- exact decimals kept as text ("12.5", never REAL; PostgreSQL: the same
-- text, cast with ::numeric to sum); times are RFC 3339 text in UTC;
-- dates are "YYYY-MM-DD" text.

CREATE TABLE procurements (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    reference TEXT NOT NULL CHECK (reference <> ''),
    title TEXT NOT NULL CHECK (title <> ''),
    category TEXT NOT NULL CHECK (category <> ''),
    estimated_value_pence INTEGER NOT NULL CHECK (estimated_value_pence > 0),
    -- A framework in use cannot be deleted (no cascade).
    framework_id INTEGER NOT NULL REFERENCES frameworks (id),
    -- Financial year whose proxies value the bids, e.g. "2025/26".
    valuation_year TEXT NOT NULL,
    contract_years INTEGER NOT NULL CHECK (contract_years BETWEEN 1 AND 50),
    price_weight TEXT NOT NULL,
    quality_weight TEXT NOT NULL,
    sv_weight TEXT NOT NULL,
    sv_quantitative_share TEXT NOT NULL,
    -- The policy's decisions, recorded when the procurement was written.
    sv_required BOOLEAN NOT NULL,
    evidence TEXT NOT NULL CHECK (evidence IN ('delivery_plan', 'milestone_tracker')),
    -- Bids are accepted before this instant and opened at it.
    deadline TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed', 'evaluated', 'awarded', 'cancelled')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (id, org_id)
);
CREATE UNIQUE INDEX procurements_org_reference ON procurements (org_id, lower(reference));

-- The measures bidders may commit to, in the order offered.
CREATE TABLE procurement_measures (
    procurement_id INTEGER NOT NULL REFERENCES procurements (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    measure TEXT NOT NULL CHECK (measure <> ''),
    PRIMARY KEY (procurement_id, measure)
);

-- Supplier companies invited to bid: always the procurement's organisation's.
CREATE TABLE procurement_suppliers (
    procurement_id INTEGER NOT NULL,
    org_id INTEGER NOT NULL,
    supplier_id INTEGER NOT NULL,
    PRIMARY KEY (procurement_id, supplier_id),
    FOREIGN KEY (procurement_id, org_id) REFERENCES procurements (id, org_id) ON DELETE CASCADE,
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id)
);
CREATE INDEX procurement_suppliers_supplier ON procurement_suppliers (supplier_id);

-- One bid per invited supplier; revisions replace its content until the
-- deadline. content_sha256 = SHA-256 over the nonce and the content: the
-- audit log keeps that, never the content.
CREATE TABLE bids (
    id INTEGER PRIMARY KEY,
    procurement_id INTEGER NOT NULL,
    supplier_id INTEGER NOT NULL,
    price_pence INTEGER NOT NULL CHECK (price_pence > 0),
    quality_reference TEXT NOT NULL,
    nonce TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    revision INTEGER NOT NULL CHECK (revision >= 1),
    submitted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    submitted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (procurement_id, supplier_id),
    FOREIGN KEY (procurement_id, supplier_id) REFERENCES procurement_suppliers (procurement_id, supplier_id)
);

CREATE TABLE bid_commitments (
    bid_id INTEGER NOT NULL REFERENCES bids (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    measure TEXT NOT NULL CHECK (measure <> ''),
    contract_year INTEGER NOT NULL CHECK (contract_year >= 1),
    units TEXT NOT NULL CHECK (units <> '' AND units NOT LIKE '-%'),
    PRIMARY KEY (bid_id, measure, contract_year)
);

-- The qualitative document (delivery plan or milestone tracker), kept in
-- the database so it is as sealed as the bid.
CREATE TABLE bid_documents (
    bid_id INTEGER PRIMARY KEY REFERENCES bids (id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL
);

-- The evaluation panel's scores; rank and total once the evaluation is
-- complete.
CREATE TABLE bid_scores (
    bid_id INTEGER PRIMARY KEY REFERENCES bids (id) ON DELETE CASCADE,
    quality_score TEXT NOT NULL,
    sv_qualitative_score TEXT NOT NULL,
    comment TEXT NOT NULL,
    scored_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    scored_at TEXT NOT NULL,
    rank INTEGER CHECK (rank >= 1),
    total_score TEXT
);

-- Contracts: awarded from a procurement here, or recorded directly for
-- contracts let before socval (procurement_id and bid_id empty).
CREATE TABLE contracts (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    supplier_id INTEGER NOT NULL,
    procurement_id INTEGER UNIQUE REFERENCES procurements (id),
    bid_id INTEGER UNIQUE REFERENCES bids (id),
    reference TEXT NOT NULL CHECK (reference <> ''),
    title TEXT NOT NULL CHECK (title <> ''),
    category TEXT NOT NULL CHECK (category <> ''),
    value_pence INTEGER NOT NULL CHECK (value_pence >= 0),
    start_date TEXT NOT NULL,
    years INTEGER NOT NULL CHECK (years BETWEEN 1 AND 50),
    framework_id INTEGER REFERENCES frameworks (id),
    valuation_year TEXT NOT NULL,
    evidence TEXT NOT NULL CHECK (evidence IN ('delivery_plan', 'milestone_tracker')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (id, org_id),
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id)
);
CREATE UNIQUE INDEX contracts_org_reference ON contracts (org_id, lower(reference));
CREATE INDEX contracts_supplier ON contracts (supplier_id);

-- Units committed per measure per contract year, optionally profiled by
-- quarter (all four quarters or none).
CREATE TABLE contract_commitments (
    contract_id INTEGER NOT NULL REFERENCES contracts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    measure TEXT NOT NULL CHECK (measure <> ''),
    contract_year INTEGER NOT NULL CHECK (contract_year >= 1),
    units TEXT NOT NULL CHECK (units <> '' AND units NOT LIKE '-%'),
    q1_units TEXT,
    q2_units TEXT,
    q3_units TEXT,
    q4_units TEXT,
    PRIMARY KEY (contract_id, measure, contract_year),
    CHECK ((q1_units IS NULL AND q2_units IS NULL AND q3_units IS NULL AND q4_units IS NULL)
        OR (q1_units IS NOT NULL AND q2_units IS NOT NULL AND q3_units IS NOT NULL AND q4_units IS NOT NULL))
);
