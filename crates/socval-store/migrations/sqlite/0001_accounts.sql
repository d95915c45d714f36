-- Organisations, users and everything needed to log in, for SQLite.
--
-- Conventions (kept identical in migrations/postgres):
-- - ids are INTEGER PRIMARY KEY (the rowid);
-- - times are RFC 3339 text in UTC, whole seconds ("2025-04-01T09:00:00Z"),
--   so text comparison is time order;
-- - money is whole pence in INTEGER columns named *_pence, never REAL;
-- - e-mail addresses and slugs are unique case-insensitively through an
--   index on lower(...); the store also writes them in lower case;
-- - secrets (session ids, tokens) are stored as SHA-256 hex, never in clear.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL CHECK (slug <> ''),
    name TEXT NOT NULL CHECK (name <> ''),
    kind TEXT NOT NULL CHECK (kind IN ('council', 'nhs_trust', 'college', 'housing_association', 'other')),
    procurement_threshold_pence INTEGER NOT NULL CHECK (procurement_threshold_pence >= 0),
    small_purchase_threshold_pence INTEGER NOT NULL CHECK (small_purchase_threshold_pence >= 0),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX organisations_slug ON organisations (lower(slug));

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL CHECK (email <> ''),
    name TEXT NOT NULL,
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- Supplier companies, per organisation. (id, org_id) is unique so that a
-- membership can require its supplier to belong to the same organisation.
CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> ''),
    company_number TEXT,
    postcode TEXT,
    created_at TEXT NOT NULL,
    UNIQUE (id, org_id)
);
CREATE UNIQUE INDEX suppliers_org_name ON suppliers (org_id, lower(name));

CREATE TABLE memberships (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'viewer', 'supplier')),
    supplier_id INTEGER,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, org_id),
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id),
    -- A supplier user always works for a supplier company; no one else does.
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'viewer', 'supplier')),
    supplier_id INTEGER,
    token_hash TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    accepted_at TEXT,
    accepted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id),
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);
CREATE INDEX invitations_org ON invitations (org_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    -- Seconds of inactivity after which the session ends.
    idle_seconds INTEGER NOT NULL,
    idle_expires_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (idle_expires_at);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> ''),
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'viewer', 'supplier')),
    supplier_id INTEGER,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    last_used_at TEXT,
    revoked_at TEXT,
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id),
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);
CREATE INDEX api_tokens_org ON api_tokens (org_id);

-- Framework files as imported (TOML or CSV); socval-core parses them.
CREATE TABLE frameworks (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> ''),
    edition TEXT NOT NULL CHECK (edition <> ''),
    format TEXT NOT NULL CHECK (format IN ('toml', 'csv')),
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name, edition)
);

-- The audit log: append-only. No foreign keys, so that it outlives what it
-- describes; the triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor_user_id INTEGER,
    actor TEXT NOT NULL,
    org_id INTEGER,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    -- JSON text of the entity before and after the change.
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be changed');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: rows cannot be deleted');
END;
