//! What every part of the store shares: time and JSON conventions, error
//! helpers, the column lists of the tables several parts read, and [`Sql`],
//! a statement built once from them.
//!
//! Both backends run the same statements: SQLite and PostgreSQL both accept
//! `$1` placeholders, `RETURNING`, `lower(...)` indexes and multi-row
//! `VALUES`. What differs is named in [`crate::db::Db`].

use std::sync::OnceLock;

use serde::Serialize;
use time::OffsetDateTime;

/// UTC, whole seconds: the precision both backends store. Truncating before
/// every write makes SQLite's text timestamps sort in time order and makes
/// values read back equal to values written.
pub(crate) fn ts(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(time::UtcOffset::UTC);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// An entity as the JSON kept in audit rows.
pub(crate) fn json<T: Serialize>(value: &T) -> Option<String> {
    // Serialising our own plain structs cannot fail; an empty object is
    // better than losing the change if it ever did.
    Some(serde_json::to_string(value).unwrap_or_else(|_| "{}".to_string()))
}

/// An `Invalid` error: input that breaks a rule, said in `detail`.
pub(crate) fn invalid<T>(detail: impl Into<String>) -> crate::Result<T> {
    Err(crate::Error::Invalid {
        detail: detail.into(),
    })
}

/// A store error with a clearer message for a uniqueness conflict.
pub(crate) fn conflict(e: sqlx::Error, what: impl FnOnce() -> String) -> crate::Error {
    match crate::Error::from(e) {
        crate::Error::Conflict { .. } => crate::Error::Conflict { detail: what() },
        other => other,
    }
}

/// How often "last seen" / "last used" times are written: not on every
/// request, to keep reads from becoming writes.
pub(crate) const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

/// A statement made of constant parts (a column list and the text around
/// it), joined the first time it is used. sqlx takes `&'static str` for a
/// statement it may cache, and `concat!` joins only literals, not the
/// column-list constants.
pub(crate) struct Sql {
    parts: &'static [&'static str],
    text: OnceLock<String>,
}

impl Sql {
    /// The statement `parts` joined.
    pub(crate) const fn new(parts: &'static [&'static str]) -> Sql {
        Sql {
            parts,
            text: OnceLock::new(),
        }
    }

    /// The statement's text.
    pub(crate) fn get(&'static self) -> &'static str {
        self.text.get_or_init(|| self.parts.concat())
    }
}

/// The columns of an [`crate::Organisation`], in `organisations`.
pub(crate) const ORG_COLS: &str = "id, slug, name, kind, procurement_threshold_pence, small_purchase_threshold_pence, policy_toml, created_at";
/// The columns of a [`crate::User`], in `users`.
pub(crate) const USER_COLS: &str =
    "id, email, name, disabled, failed_logins, locked_until, created_at";
/// The columns of a [`crate::Membership`], in `memberships`.
pub(crate) const MEMBERSHIP_COLS: &str = "user_id, org_id, role, supplier_id, created_at";
/// The columns of a [`crate::Supplier`], in `suppliers`.
pub(crate) const SUPPLIER_COLS: &str = "id, org_id, name, company_number, postcode, created_at";
/// The columns of an [`crate::Invitation`], in `invitations`.
pub(crate) const INVITATION_COLS: &str =
    "id, org_id, email, role, supplier_id, created_at, expires_at, accepted_at";
/// The columns of an [`crate::ApiToken`], in `api_tokens`.
pub(crate) const TOKEN_COLS: &str = "id, org_id, name, prefix, role, supplier_id, created_by, created_at, expires_at, last_used_at, revoked_at";
/// The columns of a [`crate::FrameworkRecord`], in `frameworks`.
pub(crate) const FRAMEWORK_COLS: &str =
    "id, org_id, name, edition, format, sha256, created_at, source";
/// The columns of an [`crate::AuditEntry`], in `audit_log`.
pub(crate) const AUDIT_COLS: &str =
    "id, at, actor_user_id, actor, org_id, action, entity_type, entity_id, before, after";
