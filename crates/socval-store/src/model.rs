//! The rows the store reads and writes, as plain Rust types.
//!
//! Ids are `i64` (database identity columns). Times are UTC
//! [`OffsetDateTime`]s truncated to whole seconds. Money is whole pence
//! (`i64`), converted from and to [`socval_core::Gbp`] at the edge.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use time::OffsetDateTime;

use crate::error::Error;

/// The value of a text enum whose stored name is `s`, for its `FromStr`.
/// Returns [`Error::Invalid`] naming the enum (`what`) and every name it
/// has.
fn parse_text<T: Copy>(
    s: &str,
    what: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
) -> Result<T, Error> {
    all.iter()
        .copied()
        .find(|&v| as_str(v) == s)
        .ok_or_else(|| Error::Invalid {
            detail: format!(
                "{s:?} is not a {what} (one of: {})",
                all.iter()
                    .map(|&v| as_str(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
}

/// What kind of anchor institution an organisation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// A local authority.
    Council,
    /// An NHS trust.
    NhsTrust,
    /// A further or higher education college.
    College,
    /// A housing association.
    HousingAssociation,
    /// Any other public or anchor body.
    Other,
}

impl OrgKind {
    /// Every value, in order.
    pub const ALL: &[OrgKind] = &[
        OrgKind::Council,
        OrgKind::NhsTrust,
        OrgKind::College,
        OrgKind::HousingAssociation,
        OrgKind::Other,
    ];

    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Council => "council",
            OrgKind::NhsTrust => "nhs_trust",
            OrgKind::College => "college",
            OrgKind::HousingAssociation => "housing_association",
            OrgKind::Other => "other",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_text(s, "OrgKind", OrgKind::ALL, OrgKind::as_str)
    }
}

/// What a user may do in an organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, tokens, frameworks and settings; sees the audit log.
    Admin,
    /// Runs procurements, evaluates, verifies returns.
    Officer,
    /// Reads the organisation's data.
    Viewer,
    /// Works for one supplier company: sees only its own bids,
    /// contracts and returns.
    Supplier,
}

impl Role {
    /// Every value, in order.
    pub const ALL: &[Role] = &[Role::Admin, Role::Officer, Role::Viewer, Role::Supplier];

    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Officer => "officer",
            Role::Viewer => "viewer",
            Role::Supplier => "supplier",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_text(s, "Role", Role::ALL, Role::as_str)
    }
}

/// The kind of change an audit row records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// A row was created.
    Create,
    /// A row was changed.
    Update,
    /// A row was deleted.
    Delete,
}

impl AuditAction {
    /// Every value, in order.
    pub const ALL: &[AuditAction] = &[
        AuditAction::Create,
        AuditAction::Update,
        AuditAction::Delete,
    ];

    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuditAction {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_text(s, "AuditAction", AuditAction::ALL, AuditAction::as_str)
    }
}

/// The file format a framework was imported from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameworkFormat {
    /// TOML, the native format.
    Toml,
    /// CSV, one row per measure and year.
    Csv,
}

impl FrameworkFormat {
    /// Every value, in order.
    pub const ALL: &[FrameworkFormat] = &[FrameworkFormat::Toml, FrameworkFormat::Csv];

    /// The name stored in the database and used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            FrameworkFormat::Toml => "toml",
            FrameworkFormat::Csv => "csv",
        }
    }
}

impl fmt::Display for FrameworkFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FrameworkFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_text(
            s,
            "FrameworkFormat",
            FrameworkFormat::ALL,
            FrameworkFormat::as_str,
        )
    }
}

/// Who made a change: written to every audit row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Actor {
    /// The user, when a person did it (in the browser, or with a token they
    /// created).
    pub user_id: Option<i64>,
    /// A readable description: an e-mail address, `token:svt_ab12cd34`,
    /// `cli`.
    pub label: String,
}

impl Actor {
    /// A logged-in user.
    pub fn user(user: &User) -> Actor {
        Actor {
            user_id: Some(user.id),
            label: user.email.clone(),
        }
    }

    /// The system itself or an administrator at the command line
    /// (`socval admin ...`), named by `label`.
    pub fn system(label: impl Into<String>) -> Actor {
        Actor {
            user_id: None,
            label: label.into(),
        }
    }
}

/// An organisation: a council or a partner anchor institution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Organisation {
    /// Database id.
    pub id: i64,
    /// Short unique name for URLs and the command line, e.g. `rotherham`
    /// (unique, case-insensitive).
    pub slug: String,
    /// Full name, e.g. "Rotherham Metropolitan Borough Council".
    pub name: String,
    /// What kind of body it is.
    pub kind: OrgKind,
    /// Procurements at or above this value (pence) must ask for social
    /// value (the policy's £100,000).
    pub procurement_threshold_pence: i64,
    /// Purchases below this value (pence) follow the small-purchase quote
    /// rules (the policy's £25,000).
    pub small_purchase_threshold_pence: i64,
    /// Its own Social Value Policy, as the TOML file it gave; `None`: the
    /// built-in policy with the two thresholds above. Read it with
    /// `socval_app::engine::policy_for`.
    pub policy_toml: Option<String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A new organisation, or the new values of an existing one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOrganisation {
    /// See [`Organisation::slug`].
    pub slug: String,
    /// See [`Organisation::name`].
    pub name: String,
    /// See [`Organisation::kind`].
    pub kind: OrgKind,
    /// See [`Organisation::procurement_threshold_pence`].
    pub procurement_threshold_pence: i64,
    /// See [`Organisation::small_purchase_threshold_pence`].
    pub small_purchase_threshold_pence: i64,
    /// See [`Organisation::policy_toml`].
    pub policy_toml: Option<String>,
}

impl NewOrganisation {
    /// An organisation working to the built-in policy (its thresholds:
    /// social value over £100,000, quotes under £25,000).
    pub fn new(slug: impl Into<String>, name: impl Into<String>, kind: OrgKind) -> Self {
        let policy = socval_core::Policy::default();
        NewOrganisation {
            slug: slug.into(),
            name: name.into(),
            kind,
            procurement_threshold_pence: pence(policy.social_value_threshold_gbp),
            small_purchase_threshold_pence: pence(policy.quotes_threshold_gbp),
            policy_toml: None,
        }
    }

    /// The organisation's current values, to change some of them.
    pub fn from_existing(o: &Organisation) -> Self {
        NewOrganisation {
            slug: o.slug.clone(),
            name: o.name.clone(),
            kind: o.kind,
            procurement_threshold_pence: o.procurement_threshold_pence,
            small_purchase_threshold_pence: o.small_purchase_threshold_pence,
            policy_toml: o.policy_toml.clone(),
        }
    }
}

/// A threshold of the built-in policy in pence (whole pounds: they fit).
fn pence(g: socval_core::Gbp) -> i64 {
    g.to_pence().unwrap_or(i64::MAX)
}

/// A person who can log in. The password hash is never part of this type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Database id.
    pub id: i64,
    /// E-mail address, stored in lower case; unique.
    pub email: String,
    /// Display name.
    pub name: String,
    /// A disabled user cannot log in and their sessions and tokens stop
    /// working.
    pub disabled: bool,
    /// Failed logins since the last successful one.
    pub failed_logins: i64,
    /// Logins are refused until this time.
    #[serde(with = "time::serde::rfc3339::option")]
    pub locked_until: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl User {
    /// True if logins are refused at `now` because of failed attempts.
    pub fn is_locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|until| until > now)
    }
}

/// A new user.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    /// E-mail address (any case; stored lower case).
    pub email: String,
    /// Display name.
    pub name: String,
    /// An Argon2id PHC string from [`crate::password::hash`].
    pub password_hash: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("name", &self.name)
            .field("password_hash", &"<redacted>")
            .finish()
    }
}

/// A supplier company known to an organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Supplier {
    /// Database id.
    pub id: i64,
    /// The organisation that deals with it.
    pub org_id: i64,
    /// Company name (unique within the organisation, case-insensitive).
    pub name: String,
    /// Companies House number, if registered.
    pub company_number: Option<String>,
    /// Postcode of the premises delivering the work.
    pub postcode: Option<String>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A new supplier company.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSupplier {
    /// See [`Supplier::org_id`].
    pub org_id: i64,
    /// See [`Supplier::name`].
    pub name: String,
    /// See [`Supplier::company_number`].
    pub company_number: Option<String>,
    /// See [`Supplier::postcode`].
    pub postcode: Option<String>,
}

/// A user's role in one organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The user.
    pub user_id: i64,
    /// The organisation.
    pub org_id: i64,
    /// What they may do there.
    pub role: Role,
    /// For [`Role::Supplier`], the supplier company they work for (always
    /// set for suppliers, never for other roles).
    pub supplier_id: Option<i64>,
    /// When it was granted.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// A membership with its organisation, for a user's home page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgMembership {
    /// The organisation.
    pub organisation: Organisation,
    /// The user's role there.
    pub membership: Membership,
}

/// A member of an organisation with their role, for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The user.
    pub user: User,
    /// Their role in the organisation listed.
    pub membership: Membership,
}

/// An invitation to join an organisation, accepted through a one-time link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Invitation {
    /// Database id.
    pub id: i64,
    /// The organisation to join.
    pub org_id: i64,
    /// Who is invited (lower case).
    pub email: String,
    /// The role they will have.
    pub role: Role,
    /// The supplier company, for [`Role::Supplier`].
    pub supplier_id: Option<i64>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The link stops working at this time.
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    /// When it was used, if it has been.
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
}

/// A new invitation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewInvitation {
    /// See [`Invitation::org_id`].
    pub org_id: i64,
    /// See [`Invitation::email`].
    pub email: String,
    /// See [`Invitation::role`].
    pub role: Role,
    /// See [`Invitation::supplier_id`].
    pub supplier_id: Option<i64>,
    /// See [`Invitation::expires_at`].
    pub expires_at: OffsetDateTime,
}

/// What the person accepting an invitation provides. If a user with the
/// invited e-mail address already exists, `name` and `password_hash` are
/// ignored and the membership is added to that user.
#[derive(Clone, PartialEq, Eq)]
pub struct AcceptInvitation {
    /// Display name for a new user.
    pub name: String,
    /// Argon2id PHC string for a new user.
    pub password_hash: String,
}

impl fmt::Debug for AcceptInvitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AcceptInvitation")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// How long sessions last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused for this long ends.
    pub idle: time::Duration,
    /// A session ends this long after login, however busy.
    pub absolute: time::Duration,
}

impl Default for SessionPolicy {
    /// 30 minutes idle, 12 hours absolute (NCSC / OWASP session guidance
    /// for a business application).
    fn default() -> Self {
        SessionPolicy {
            idle: time::Duration::minutes(30),
            absolute: time::Duration::hours(12),
        }
    }
}

/// A logged-in browser session. The session id itself is only ever in the
/// cookie; the database keeps its SHA-256.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the session id (hex): safe to log.
    pub id_hash: String,
    /// The user logged in.
    pub user_id: i64,
    /// Secret for deriving CSRF tokens for this session's forms.
    pub csrf_secret: String,
    /// Login time.
    pub created_at: OffsetDateTime,
    /// Last request seen (updated at most once a minute).
    pub last_seen_at: OffsetDateTime,
    /// Ends at this time unless used before.
    pub idle_expires_at: OffsetDateTime,
    /// Ends at this time regardless.
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id_hash", &self.id_hash)
            .field("user_id", &self.user_id)
            .field("csrf_secret", &"<redacted>")
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("idle_expires_at", &self.idle_expires_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A valid session with its user, as looked up for each request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionUser {
    /// The session.
    pub session: Session,
    /// Its user (never disabled: a disabled user's sessions are not found).
    pub user: User,
}

/// What the portal needs to authorize one request made with a session
/// cookie, read in one query: the session, its user, and the organisation
/// named in the URL with the user's membership there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionAccess {
    /// The session and its user.
    pub session: SessionUser,
    /// The organisation asked for and the user's role there; `None` when no
    /// organisation was asked for, there is none with that slug, or the
    /// user does not belong to it (the portal answers all three alike).
    pub membership: Option<OrgMembership>,
}

/// When to lock an account after failed logins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failed logins in a row that lock the account.
    pub max_failures: i64,
    /// How long the lock lasts.
    pub lock_for: time::Duration,
}

impl Default for LockoutPolicy {
    /// 5 failures lock the account for 15 minutes.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            lock_for: time::Duration::minutes(15),
        }
    }
}

/// A user with the password hash, for checking a login.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user.
    pub user: User,
    /// Argon2id PHC string.
    pub password_hash: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// An API token for integrations. The secret itself is shown once, when
/// created; the database keeps its SHA-256 and its first characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Database id.
    pub id: i64,
    /// The organisation it acts in.
    pub org_id: i64,
    /// What it is for, e.g. "finance system nightly export".
    pub name: String,
    /// The secret's first 12 characters (`svt_` and 8 more), to recognise it.
    pub prefix: String,
    /// What it may do, as for a user.
    pub role: Role,
    /// For [`Role::Supplier`] tokens, the supplier company.
    pub supplier_id: Option<i64>,
    /// Who created it (none if created at the command line).
    pub created_by: Option<i64>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// It stops working at this time, if set.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Last use (updated at most once a minute).
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was revoked, if it was.
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

/// A new API token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiToken {
    /// See [`ApiToken::org_id`].
    pub org_id: i64,
    /// See [`ApiToken::name`].
    pub name: String,
    /// See [`ApiToken::role`].
    pub role: Role,
    /// See [`ApiToken::supplier_id`].
    pub supplier_id: Option<i64>,
    /// See [`ApiToken::expires_at`].
    pub expires_at: Option<OffsetDateTime>,
}

/// One row of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Database id: increases with time.
    pub id: i64,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The user who did it, if a user did.
    pub actor_user_id: Option<i64>,
    /// Who did it, readable.
    pub actor: String,
    /// The organisation whose data changed (none for users themselves).
    pub org_id: Option<i64>,
    /// Create, update or delete.
    pub action: AuditAction,
    /// `organisation`, `user`, `membership`, `supplier`, `invitation`,
    /// `api_token`, `framework`, `spend_import`.
    pub entity_type: String,
    /// The entity's id (`user_id:org_id` for memberships).
    pub entity_id: String,
    /// The entity before the change, as JSON (none for create).
    pub before: Option<String>,
    /// The entity after the change, as JSON (none for delete).
    pub after: Option<String>,
}

/// A payments file imported into an organisation's spend area
/// (`<data-dir>/spend/orgs/<slug>`), as the audit log records it: the
/// payments themselves live in Parquet files, not in the database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SpendImport {
    /// The source file's name, as uploaded or given on the command line.
    pub source: String,
    /// SHA-256 of the source file's bytes (the audit row's entity id).
    pub sha256: String,
    /// Data lines in the source.
    pub lines: u64,
    /// Payments stored.
    pub rows: u64,
    /// Sum of the payments, exact (a decimal string in JSON).
    pub total_gbp: socval_core::Gbp,
    /// The financial years the payments fall in, e.g. `2019/20`.
    pub years: Vec<String>,
}

/// A spend import's audit row: what was imported, when and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpendImportEntry {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who imported it, readable (an e-mail address, `socval admin`).
    pub actor: String,
    /// What was imported.
    pub import: SpendImport,
}

/// A supplier register imported into an organisation's spend area (its
/// `suppliers.csv`), as the audit log records it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SpendRegister {
    /// The source file's name, as uploaded or given on the command line.
    pub source: String,
    /// SHA-256 of the source file's bytes (the audit row's entity id).
    pub sha256: String,
    /// Suppliers in the register.
    pub suppliers: u64,
    /// Of which with a postcode.
    pub with_postcode: u64,
}

/// A supplier register's audit row: what was imported, when and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpendRegisterEntry {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who imported it, readable.
    pub actor: String,
    /// What was imported.
    pub register: SpendRegister,
}

/// Location overrides imported into an organisation's spend area (its
/// `overrides.csv`: a supplier's local branch postcode, with a reason), as
/// the audit log records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SpendOverrides {
    /// The source file's name, as uploaded or given on the command line.
    pub source: String,
    /// SHA-256 of the source file's bytes (the audit row's entity id).
    pub sha256: String,
    /// Overrides in the file.
    pub overrides: u64,
}

/// A location overrides file's audit row: what, when and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpendOverridesEntry {
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Who imported it, readable.
    pub actor: String,
    /// What was imported.
    pub overrides: SpendOverrides,
}

/// Which audit rows to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this organisation's rows, if set.
    pub org_id: Option<i64>,
    /// Only rows with an id greater than this (for paging forwards).
    pub after_id: Option<i64>,
    /// Only rows with an id less than this (for paging backwards, newest first).
    pub before_id: Option<i64>,
    /// At most this many rows (the store caps it at 10,000).
    pub limit: i64,
    /// Newest first if true, oldest first otherwise.
    pub newest_first: bool,
}

/// A framework file imported by an organisation. The store keeps the file
/// as imported; `socval-core` parses `source` to browse it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FrameworkRecord {
    /// Database id.
    pub id: i64,
    /// The organisation that imported it.
    pub org_id: i64,
    /// The framework's name, e.g. "socval-open".
    pub name: String,
    /// Its edition, e.g. "2024".
    pub edition: String,
    /// The file's format.
    pub format: FrameworkFormat,
    /// SHA-256 of `source` (hex).
    pub sha256: String,
    /// When it was imported.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The file's text, exactly as imported (left out of audit rows).
    #[serde(skip)]
    pub source: String,
}

/// A framework file to import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFramework {
    /// See [`FrameworkRecord::org_id`].
    pub org_id: i64,
    /// See [`FrameworkRecord::name`].
    pub name: String,
    /// See [`FrameworkRecord::edition`].
    pub edition: String,
    /// See [`FrameworkRecord::format`].
    pub format: FrameworkFormat,
    /// See [`FrameworkRecord::source`].
    pub source: String,
}

/// Normalises an e-mail address for storage and lookup: trimmed, lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A membership to add or change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewMembership {
    /// See [`Membership::user_id`].
    pub user_id: i64,
    /// See [`Membership::org_id`].
    pub org_id: i64,
    /// See [`Membership::role`].
    pub role: Role,
    /// See [`Membership::supplier_id`].
    pub supplier_id: Option<i64>,
}

impl Actor {
    /// An API token acting (on behalf of the user who created it, if any).
    pub fn token(token: &ApiToken) -> Actor {
        Actor {
            user_id: token.created_by,
            label: format!("token:{}", token.prefix),
        }
    }
}
