//! The [`Store`] trait: everything socval keeps in its database.

use std::fmt;
use std::path::Path;

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::db::{Db, SqlStore};
use crate::error::Result;
use crate::model::*;
use crate::{account, audit, framework, invitation, session, spend, token};

/// Which database a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// The one persistence interface of socval, implemented for SQLite
/// ([`crate::SqliteStore`]) and PostgreSQL ([`crate::PgStore`]).
///
/// # Using it
///
/// Open one with [`crate::open`] (the URL picks the backend) and share it as
/// `Arc<dyn Store>`: the trait is object-safe (methods are
/// `#[async_trait]`, returning boxed `Send` futures), so an axum state can
/// hold `Arc<dyn Store>` and handlers call `state.store.user(id).await`.
/// Implementors write `#[async_trait::async_trait] impl Store for ...`.
///
/// # Contracts common to all methods
///
/// - Time is an argument (`now`), never read from a clock here, so tests
///   and the web layer can move it. Times are stored in UTC, to the second.
/// - Every method that creates, changes or deletes organisation data or
///   accounts takes the [`Actor`] and writes an audit row (before/after as
///   JSON) in the same transaction as the change; if either fails, neither
///   happens. Sessions, login counters and token "last used" times are
///   operational state and are not audited.
/// - There is no method to change or delete audit rows; the database
///   refuses it too (triggers).
/// - Lookups of one row return [`crate::Error::NotFound`] when there is no
///   such row; breaking a uniqueness rule returns
///   [`crate::Error::Conflict`]; referring to a missing row or breaking a
///   schema rule returns [`crate::Error::Invalid`].
/// - Secrets (session ids, invitation tokens, API tokens) are returned once,
///   when created, and stored only as their SHA-256.
/// - E-mail addresses are compared case-insensitively (stored lower case).
/// - An organisation that has an admin who can sign in keeps one: demoting,
///   removing or disabling its last one is refused with
///   [`crate::Error::LastAdmin`], checked in the change's transaction (the
///   portal and `socval admin` both rely on this one rule).
#[async_trait]
pub trait Store:
    std::any::Any
    + crate::procurement::ProcurementStore
    + crate::delivery::DeliveryStore
    + crate::purchase::PurchaseStore
    + Send
    + Sync
    + fmt::Debug
{
    /// Which database this is.
    fn backend(&self) -> Backend;

    // ---- organisations ----

    /// Creates an organisation. `Conflict` if the slug is taken.
    async fn create_organisation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewOrganisation,
    ) -> Result<Organisation>;
    /// Replaces an organisation's slug, name, kind and thresholds.
    async fn update_organisation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        new: &NewOrganisation,
    ) -> Result<Organisation>;
    /// One organisation by id.
    async fn organisation(&self, id: i64) -> Result<Organisation>;
    /// One organisation by slug (case-insensitive).
    async fn organisation_by_slug(&self, slug: &str) -> Result<Organisation>;
    /// All organisations, by name.
    async fn organisations(&self) -> Result<Vec<Organisation>>;

    // ---- users and logins ----

    /// Creates a user. `Conflict` if the e-mail address is taken (in any
    /// case).
    async fn create_user(&self, actor: &Actor, now: OffsetDateTime, new: &NewUser) -> Result<User>;
    /// One user by id.
    async fn user(&self, id: i64) -> Result<User>;
    /// One user by e-mail address (case-insensitive).
    async fn user_by_email(&self, email: &str) -> Result<User>;
    /// All users, or the members of one organisation, by e-mail address.
    async fn users(&self, org_id: Option<i64>) -> Result<Vec<User>>;
    /// Changes a user's display name.
    async fn rename_user(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        name: &str,
    ) -> Result<User>;
    /// Disables or re-enables a user. Disabling also ends all their
    /// sessions. [`crate::Error::LastAdmin`] if disabling would leave an
    /// organisation they administer without an admin who can sign in.
    async fn set_user_disabled(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        disabled: bool,
    ) -> Result<User>;
    /// Replaces a user's password hash and clears any lockout. Sessions are
    /// left alone: call [`Store::delete_user_sessions`] to end the others.
    async fn set_password(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        user_id: i64,
        password_hash: &str,
    ) -> Result<User>;
    /// The user and password hash for checking a login. See
    /// [`crate::login::authenticate`], which does the whole check.
    async fn credentials(&self, email: &str) -> Result<Credentials>;
    /// Counts a failed login; at `policy.max_failures` in a row the account
    /// is locked until `now + policy.lock_for`. Returns the user as updated.
    async fn record_login_failure(
        &self,
        user_id: i64,
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> Result<User>;
    /// Resets the failed-login count and lock after a successful login.
    async fn record_login_success(&self, user_id: i64, now: OffsetDateTime) -> Result<User>;

    // ---- memberships ----

    /// Gives a user a role in an organisation. `Conflict` if they already
    /// have one there; `Invalid` if a supplier role has no supplier company
    /// of that organisation, or another role has one.
    async fn add_membership(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        membership: &NewMembership,
    ) -> Result<Membership>;
    /// Changes the role (and supplier company) of an existing membership.
    /// [`crate::Error::LastAdmin`] if it would demote the organisation's
    /// only admin who can sign in.
    async fn update_membership(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        membership: &NewMembership,
    ) -> Result<Membership>;
    /// Removes a user from an organisation. [`crate::Error::LastAdmin`] if
    /// they are its only admin who can sign in.
    async fn remove_membership(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        user_id: i64,
        org_id: i64,
    ) -> Result<()>;
    /// A user's role in one organisation; `NotFound` if they have none.
    async fn membership(&self, user_id: i64, org_id: i64) -> Result<Membership>;
    /// Every organisation a user belongs to, by organisation name.
    async fn memberships(&self, user_id: i64) -> Result<Vec<OrgMembership>>;
    /// Every member of an organisation, by e-mail address.
    async fn members(&self, org_id: i64) -> Result<Vec<Member>>;

    // ---- supplier companies ----

    /// Records a supplier company for an organisation. `Conflict` if the
    /// organisation already has one of that name.
    async fn create_supplier(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewSupplier,
    ) -> Result<Supplier>;
    /// One supplier company.
    async fn supplier(&self, id: i64) -> Result<Supplier>;
    /// An organisation's supplier companies, by name.
    async fn suppliers(&self, org_id: i64) -> Result<Vec<Supplier>>;

    // ---- invitations ----

    /// Creates an invitation; returns it with the one-time token for the
    /// link (shown once; the database keeps its hash).
    async fn create_invitation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewInvitation,
    ) -> Result<(Invitation, String)>;
    /// The invitation for a token, if it is unused and unexpired at `now`;
    /// otherwise `NotFound`.
    async fn invitation(&self, token: &str, now: OffsetDateTime) -> Result<Invitation>;
    /// Uses an invitation: creates the user (or finds the existing user with
    /// that address) and adds the membership, all in one transaction.
    /// `NotFound` if the token is unknown, used or expired.
    async fn accept_invitation(
        &self,
        token: &str,
        now: OffsetDateTime,
        accept: &AcceptInvitation,
    ) -> Result<(User, Membership)>;
    /// An organisation's invitations, newest first.
    async fn invitations(&self, org_id: i64) -> Result<Vec<Invitation>>;

    // ---- sessions ----

    /// Starts a session for a user; returns it with the session id for the
    /// cookie (shown once; the database keeps its hash).
    async fn create_session(
        &self,
        user_id: i64,
        now: OffsetDateTime,
        policy: &SessionPolicy,
    ) -> Result<(Session, String)>;
    /// The session for a cookie's session id, if it is valid at `now` and
    /// its user is not disabled; extends its idle expiry (written at most
    /// once a minute). `NotFound` otherwise (an expired session is deleted).
    async fn session(&self, session_id: &str, now: OffsetDateTime) -> Result<SessionUser>;
    /// [`Store::session`] and, in the same query, the organisation with
    /// slug `org_slug` (case-insensitive) and the user's membership there:
    /// everything the portal checks before a request, in one round trip.
    /// `NotFound` as for [`Store::session`]; a missing organisation or
    /// membership is `membership: None`, not an error.
    ///
    /// "Last seen" (and with it the idle expiry) is written at most once a
    /// minute, so most requests only read: a session ends once it has gone
    /// unused for its idle time counted from the last recorded use, which is
    /// at most a minute before the last request.
    async fn session_access(
        &self,
        session_id: &str,
        org_slug: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SessionAccess>;
    /// Ends one session (logout). Not an error if it does not exist.
    async fn delete_session(&self, session_id: &str) -> Result<()>;
    /// Ends all of a user's sessions ("log out everywhere"), except the
    /// one with session id `except` if given. Returns how many ended.
    async fn delete_user_sessions(&self, user_id: i64, except: Option<&str>) -> Result<u64>;
    /// Deletes sessions that have expired by `now`. Returns how many.
    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64>;

    // ---- API tokens ----

    /// Creates an API token; returns it with the secret (`svt_...`, shown
    /// once; the database keeps its SHA-256).
    async fn create_api_token(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewApiToken,
    ) -> Result<(ApiToken, String)>;
    /// The token for a secret, if it is not revoked or expired at `now`
    /// and, for a token a user created, that user is still an admin of
    /// the token's organisation with an enabled account (checked at every
    /// call, so that removing, demoting or disabling them stops their
    /// tokens at once); records its use. `NotFound` otherwise.
    async fn api_token(&self, secret: &str, now: OffsetDateTime) -> Result<ApiToken>;
    /// An organisation's tokens (including revoked ones), newest first.
    async fn api_tokens(&self, org_id: i64) -> Result<Vec<ApiToken>>;
    /// Revokes a token. Revoking a revoked token changes nothing.
    async fn revoke_api_token(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
    ) -> Result<ApiToken>;

    // ---- frameworks ----

    /// Stores an imported framework file. `Conflict` if the organisation
    /// already has this name and edition.
    async fn create_framework(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewFramework,
    ) -> Result<FrameworkRecord>;
    /// One framework, with its source text.
    async fn framework(&self, id: i64) -> Result<FrameworkRecord>;
    /// An organisation's frameworks, by name and edition (with sources).
    async fn frameworks(&self, org_id: i64) -> Result<Vec<FrameworkRecord>>;
    /// Deletes a framework.
    async fn delete_framework(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<()>;

    // ---- spend imports (the files live in the data directory) ----

    /// Records in the audit log that payments files were imported into
    /// organisation `org_id`'s spend area: per file, entity type
    /// `spend_import`, entity id the file's SHA-256, `after` the
    /// [`SpendImport`] as JSON; all in one transaction. Call it between
    /// preparing the import and putting it in place (`socval_spend::journal`),
    /// with the time it was prepared at. `NotFound` if there is no such
    /// organisation; `Invalid` if a `sha256` is not 64 hexadecimal digits or
    /// a `source` is empty, and then nothing is recorded.
    async fn record_spend_imports(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        org_id: i64,
        imports: &[SpendImport],
    ) -> Result<()>;
    /// The spend imports recorded for an organisation, newest first (an
    /// import replaced later appears once per time it was imported).
    async fn spend_imports(&self, org_id: i64) -> Result<Vec<SpendImportEntry>>;
    /// Records in the audit log that a supplier register replaced
    /// organisation `org_id`'s: entity type `spend_register`, entity id the
    /// file's SHA-256, `after` the [`SpendRegister`] as JSON. Errors as
    /// [`Store::record_spend_imports`]'s.
    async fn record_spend_register(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        org_id: i64,
        register: &SpendRegister,
    ) -> Result<()>;
    /// The supplier registers recorded for an organisation, newest first.
    async fn spend_registers(&self, org_id: i64) -> Result<Vec<SpendRegisterEntry>>;
    /// Records that location overrides replaced organisation `org_id`'s:
    /// entity type `spend_overrides`, otherwise as
    /// [`Store::record_spend_register`].
    async fn record_spend_overrides(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        org_id: i64,
        overrides: &SpendOverrides,
    ) -> Result<()>;
    /// The location overrides recorded for an organisation, newest first.
    async fn spend_overrides(&self, org_id: i64) -> Result<Vec<SpendOverridesEntry>>;

    // ---- audit log (read and count only) ----

    /// Audit rows matching `query`, in id order (see
    /// [`AuditQuery::newest_first`]).
    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>>;
    /// How many audit rows there are (for one organisation, if given).
    async fn audit_count(&self, org_id: Option<i64>) -> Result<i64>;

    // ---- operations ----

    /// Writes a consistent copy of the database to `path` while it is in
    /// use (SQLite: `VACUUM INTO`). Refuses to overwrite an existing file.
    /// PostgreSQL returns [`crate::Error::Backup`]: use `pg_dump`.
    async fn backup(&self, path: &Path) -> Result<()>;
    /// Closes the connection pool, waiting for queries in flight.
    async fn close(&self);
}

/// Both backends' implementation: the store's statements are written once,
/// in the modules of each part, generic over the backend ([`Db`]).
#[async_trait]
impl<DB: Db> Store for SqlStore<DB> {
    fn backend(&self) -> Backend {
        DB::BACKEND
    }

    async fn create_organisation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewOrganisation,
    ) -> Result<Organisation> {
        account::create_organisation(self, actor, now, new).await
    }

    async fn update_organisation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        new: &NewOrganisation,
    ) -> Result<Organisation> {
        account::update_organisation(self, actor, now, id, new).await
    }

    async fn organisation(&self, id: i64) -> Result<Organisation> {
        account::organisation(self, id).await
    }

    async fn organisation_by_slug(&self, slug: &str) -> Result<Organisation> {
        account::organisation_by_slug(self, slug).await
    }

    async fn organisations(&self) -> Result<Vec<Organisation>> {
        account::organisations(self).await
    }

    async fn create_user(&self, actor: &Actor, now: OffsetDateTime, new: &NewUser) -> Result<User> {
        account::create_user(self, actor, now, new).await
    }

    async fn user(&self, id: i64) -> Result<User> {
        account::user(self, id).await
    }

    async fn user_by_email(&self, email: &str) -> Result<User> {
        account::user_by_email(self, email).await
    }

    async fn users(&self, org_id: Option<i64>) -> Result<Vec<User>> {
        account::users(self, org_id).await
    }

    async fn rename_user(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        name: &str,
    ) -> Result<User> {
        account::rename_user(self, actor, now, id, name).await
    }

    async fn set_user_disabled(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
        disabled: bool,
    ) -> Result<User> {
        account::set_user_disabled(self, actor, now, id, disabled).await
    }

    async fn set_password(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        user_id: i64,
        password_hash: &str,
    ) -> Result<User> {
        account::set_password(self, actor, now, user_id, password_hash).await
    }

    async fn credentials(&self, email: &str) -> Result<Credentials> {
        account::credentials(self, email).await
    }

    async fn record_login_failure(
        &self,
        user_id: i64,
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> Result<User> {
        account::record_login_failure(self, user_id, now, policy).await
    }

    async fn record_login_success(&self, user_id: i64, now: OffsetDateTime) -> Result<User> {
        account::record_login_success(self, user_id, now).await
    }

    async fn add_membership(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        membership: &NewMembership,
    ) -> Result<Membership> {
        account::add_membership(self, actor, now, membership).await
    }

    async fn update_membership(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        membership: &NewMembership,
    ) -> Result<Membership> {
        account::update_membership(self, actor, now, membership).await
    }

    async fn remove_membership(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        user_id: i64,
        org_id: i64,
    ) -> Result<()> {
        account::remove_membership(self, actor, now, user_id, org_id).await
    }

    async fn membership(&self, user_id: i64, org_id: i64) -> Result<Membership> {
        account::membership(self, user_id, org_id).await
    }

    async fn memberships(&self, user_id: i64) -> Result<Vec<OrgMembership>> {
        account::memberships(self, user_id).await
    }

    async fn members(&self, org_id: i64) -> Result<Vec<Member>> {
        account::members(self, org_id).await
    }

    async fn create_supplier(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewSupplier,
    ) -> Result<Supplier> {
        account::create_supplier(self, actor, now, new).await
    }

    async fn supplier(&self, id: i64) -> Result<Supplier> {
        account::supplier(self, id).await
    }

    async fn suppliers(&self, org_id: i64) -> Result<Vec<Supplier>> {
        account::suppliers(self, org_id).await
    }

    async fn create_invitation(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewInvitation,
    ) -> Result<(Invitation, String)> {
        invitation::create_invitation(self, actor, now, new).await
    }

    async fn invitation(&self, token: &str, now: OffsetDateTime) -> Result<Invitation> {
        invitation::invitation(self, token, now).await
    }

    async fn accept_invitation(
        &self,
        token: &str,
        now: OffsetDateTime,
        accept: &AcceptInvitation,
    ) -> Result<(User, Membership)> {
        invitation::accept_invitation(self, token, now, accept).await
    }

    async fn invitations(&self, org_id: i64) -> Result<Vec<Invitation>> {
        invitation::invitations(self, org_id).await
    }

    async fn create_session(
        &self,
        user_id: i64,
        now: OffsetDateTime,
        policy: &SessionPolicy,
    ) -> Result<(Session, String)> {
        session::create_session(self, user_id, now, policy).await
    }

    async fn session(&self, session_id: &str, now: OffsetDateTime) -> Result<SessionUser> {
        session::session(self, session_id, now).await
    }

    async fn session_access(
        &self,
        session_id: &str,
        org_slug: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<SessionAccess> {
        session::session_access(self, session_id, org_slug, now).await
    }

    async fn delete_session(&self, session_id: &str) -> Result<()> {
        session::delete_session(self, session_id).await
    }

    async fn delete_user_sessions(&self, user_id: i64, except: Option<&str>) -> Result<u64> {
        session::delete_user_sessions(self, user_id, except).await
    }

    async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
        session::delete_expired_sessions(self, now).await
    }

    async fn create_api_token(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewApiToken,
    ) -> Result<(ApiToken, String)> {
        token::create_api_token(self, actor, now, new).await
    }

    async fn api_token(&self, secret: &str, now: OffsetDateTime) -> Result<ApiToken> {
        token::api_token(self, secret, now).await
    }

    async fn api_tokens(&self, org_id: i64) -> Result<Vec<ApiToken>> {
        token::api_tokens(self, org_id).await
    }

    async fn revoke_api_token(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
    ) -> Result<ApiToken> {
        token::revoke_api_token(self, actor, now, id).await
    }

    async fn create_framework(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        new: &NewFramework,
    ) -> Result<FrameworkRecord> {
        framework::create_framework(self, actor, now, new).await
    }

    async fn framework(&self, id: i64) -> Result<FrameworkRecord> {
        framework::framework(self, id).await
    }

    async fn frameworks(&self, org_id: i64) -> Result<Vec<FrameworkRecord>> {
        framework::frameworks(self, org_id).await
    }

    async fn delete_framework(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<()> {
        framework::delete_framework(self, actor, now, id).await
    }

    async fn record_spend_imports(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        org_id: i64,
        imports: &[SpendImport],
    ) -> Result<()> {
        spend::record_spend_imports(self, actor, now, org_id, imports).await
    }

    async fn spend_imports(&self, org_id: i64) -> Result<Vec<SpendImportEntry>> {
        spend::spend_imports(self, org_id).await
    }

    async fn record_spend_register(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        org_id: i64,
        register: &SpendRegister,
    ) -> Result<()> {
        spend::record_spend_register(self, actor, now, org_id, register).await
    }

    async fn spend_registers(&self, org_id: i64) -> Result<Vec<SpendRegisterEntry>> {
        spend::spend_registers(self, org_id).await
    }

    async fn record_spend_overrides(
        &self,
        actor: &Actor,
        now: OffsetDateTime,
        org_id: i64,
        overrides: &SpendOverrides,
    ) -> Result<()> {
        spend::record_spend_overrides(self, actor, now, org_id, overrides).await
    }

    async fn spend_overrides(&self, org_id: i64) -> Result<Vec<SpendOverridesEntry>> {
        spend::spend_overrides(self, org_id).await
    }

    async fn audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>> {
        audit::audit(self, query).await
    }

    async fn audit_count(&self, org_id: Option<i64>) -> Result<i64> {
        audit::audit_count(self, org_id).await
    }

    async fn backup(&self, path: &Path) -> Result<()> {
        DB::backup(&self.pool, path).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
