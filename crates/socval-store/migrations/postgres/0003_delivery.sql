-- Delivery returns (issue 5), for PostgreSQL: what a supplier delivered per
-- measure in one quarter of a contract year, the officers' review of each
-- line, and the evidence files (kept on disk by SHA-256; these rows say
-- which return they support). Conventions as in 0001 (kept identical in
-- migrations/sqlite); units are exact decimals stored as text, never floating point.

-- One return per contract and period (contract year, quarter): a second
-- submission of the same period breaks the UNIQUE rule and changes nothing.
CREATE TABLE delivery_returns (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL,
    contract_id BIGINT NOT NULL,
    supplier_id BIGINT NOT NULL,
    contract_year BIGINT NOT NULL CHECK (contract_year >= 1),
    quarter BIGINT NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    narrative TEXT NOT NULL,
    submitted_by_user BIGINT REFERENCES users (id) ON DELETE SET NULL,
    -- The audit label of who submitted it: an e-mail address or token:svt_...
    submitted_by TEXT NOT NULL,
    submitted_at TIMESTAMPTZ NOT NULL,
    UNIQUE (contract_id, contract_year, quarter),
    FOREIGN KEY (contract_id, org_id) REFERENCES contracts (id, org_id) ON DELETE CASCADE,
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id)
);
CREATE INDEX delivery_returns_org ON delivery_returns (org_id, supplier_id);

-- One line per measure per return. Only verified lines count as delivered.
CREATE TABLE return_lines (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    return_id BIGINT NOT NULL REFERENCES delivery_returns (id) ON DELETE CASCADE,
    measure TEXT NOT NULL CHECK (measure <> ''),
    units TEXT NOT NULL CHECK (units <> '' AND units NOT LIKE '-%'),
    status TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'rejected')),
    comment TEXT NOT NULL,
    reviewed_by_user BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reviewed_by TEXT,
    reviewed_at TIMESTAMPTZ,
    UNIQUE (return_id, measure),
    -- A rejection always says why.
    CHECK (status <> 'rejected' OR comment <> '')
);
CREATE INDEX return_lines_pending ON return_lines (return_id) WHERE status = 'pending';

CREATE TABLE evidence_files (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    return_id BIGINT NOT NULL REFERENCES delivery_returns (id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
    size_bytes BIGINT NOT NULL CHECK (size_bytes > 0),
    media_type TEXT NOT NULL,
    filename TEXT NOT NULL CHECK (filename <> ''),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX evidence_files_return ON evidence_files (return_id);
CREATE INDEX evidence_files_sha256 ON evidence_files (sha256);
