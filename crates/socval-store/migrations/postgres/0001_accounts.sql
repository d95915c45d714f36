-- Organisations, users and everything needed to log in, for PostgreSQL.
--
-- Conventions (kept identical in migrations/sqlite):
-- - ids are BIGINT identity columns;
-- - times are TIMESTAMPTZ, written in UTC to the second;
-- - money is whole pence in BIGINT columns named *_pence, never floating point;
-- - e-mail addresses and slugs are unique case-insensitively through an
--   index on lower(...); the store also writes them in lower case;
-- - secrets (session ids, tokens) are stored as SHA-256 hex, never in clear.

CREATE TABLE organisations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL CHECK (slug <> ''),
    name TEXT NOT NULL CHECK (name <> ''),
    kind TEXT NOT NULL CHECK (kind IN ('council', 'nhs_trust', 'college', 'housing_association', 'other')),
    procurement_threshold_pence BIGINT NOT NULL CHECK (procurement_threshold_pence >= 0),
    small_purchase_threshold_pence BIGINT NOT NULL CHECK (small_purchase_threshold_pence >= 0),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX organisations_slug ON organisations (lower(slug));

CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL CHECK (email <> ''),
    name TEXT NOT NULL,
    -- Argon2id PHC string.
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    password_changed_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (lower(email));

-- Supplier companies, per organisation. (id, org_id) is unique so that a
-- membership can require its supplier to belong to the same organisation.
CREATE TABLE suppliers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> ''),
    company_number TEXT,
    postcode TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (id, org_id)
);
CREATE UNIQUE INDEX suppliers_org_name ON suppliers (org_id, lower(name));

CREATE TABLE memberships (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'viewer', 'supplier')),
    supplier_id BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, org_id),
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id),
    -- A supplier user always works for a supplier company; no one else does.
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);
CREATE INDEX memberships_org ON memberships (org_id);

CREATE TABLE invitations (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'viewer', 'supplier')),
    supplier_id BIGINT,
    token_hash TEXT NOT NULL UNIQUE,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    accepted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id),
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);
CREATE INDEX invitations_org ON invitations (org_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_secret TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    -- Seconds of inactivity after which the session ends.
    idle_seconds BIGINT NOT NULL,
    idle_expires_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (idle_expires_at);

CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> ''),
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'officer', 'viewer', 'supplier')),
    supplier_id BIGINT,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ,
    FOREIGN KEY (supplier_id, org_id) REFERENCES suppliers (id, org_id),
    CHECK ((role = 'supplier') = (supplier_id IS NOT NULL))
);
CREATE INDEX api_tokens_org ON api_tokens (org_id);

-- Framework files as imported (TOML or CSV); socval-core parses them.
CREATE TABLE frameworks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name TEXT NOT NULL CHECK (name <> ''),
    edition TEXT NOT NULL CHECK (edition <> ''),
    format TEXT NOT NULL CHECK (format IN ('toml', 'csv')),
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name, edition)
);

-- The audit log: append-only. No foreign keys, so that it outlives what it
-- describes; the triggers below refuse UPDATE and DELETE.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_user_id BIGINT,
    actor TEXT NOT NULL,
    org_id BIGINT,
    action TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    -- JSON text of the entity before and after the change (text, not
    -- jsonb, so both backends return exactly what was written).
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: rows cannot be changed or deleted'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
