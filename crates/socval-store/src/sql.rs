//! The SQL both backends share.
//!
//! SQLite and PostgreSQL run the same statements here: both accept `$1`
//! placeholders, `RETURNING`, `lower(...)` indexes and multi-row `VALUES`.
//! What differs (column types, the audit triggers, how a transaction
//! starts, backups) lives in each backend's migrations and module. The
//! [`store_impl!`] macro writes the `Store` implementation once for a given
//! sqlx database type, so the two cannot drift apart; atuin writes two
//! near-identical files instead.

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

macro_rules! org_cols {
    () => {
        "id, slug, name, kind, procurement_threshold_pence, small_purchase_threshold_pence, created_at"
    };
}
macro_rules! user_cols {
    () => {
        "id, email, name, disabled, failed_logins, locked_until, created_at"
    };
}
macro_rules! membership_cols {
    () => {
        "user_id, org_id, role, supplier_id, created_at"
    };
}
macro_rules! supplier_cols {
    () => {
        "id, org_id, name, company_number, postcode, created_at"
    };
}
macro_rules! invitation_cols {
    () => {
        "id, org_id, email, role, supplier_id, created_at, expires_at, accepted_at"
    };
}
macro_rules! token_cols {
    () => {
        "id, org_id, name, prefix, role, supplier_id, created_by, created_at, expires_at, last_used_at, revoked_at"
    };
}
macro_rules! framework_cols {
    () => {
        "id, org_id, name, edition, format, sha256, created_at, source"
    };
}
macro_rules! audit_cols {
    () => {
        "id, at, actor_user_id, actor, org_id, action, entity_type, entity_id, before, after"
    };
}

/// The query of one page of the audit log: `$1` after id, `$2` before id,
/// `$3` limit, `$4` organisation (when `q.org_id` is set). Plain
/// comparisons (no `$n IS NULL OR ...`) so both databases seek the primary
/// key or the (org_id, id) index: paging through a million rows stays
/// linear.
pub(crate) fn audit_page_sql(q: &crate::model::AuditQuery) -> &'static str {
    match (q.org_id.is_some(), q.newest_first) {
        (false, false) => concat!(
            "SELECT ",
            audit_cols!(),
            " FROM audit_log WHERE id > $1 AND id < $2 ORDER BY id LIMIT $3"
        ),
        (false, true) => concat!(
            "SELECT ",
            audit_cols!(),
            " FROM audit_log WHERE id > $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ),
        (true, false) => concat!(
            "SELECT ",
            audit_cols!(),
            " FROM audit_log WHERE org_id = $4 AND id > $1 AND id < $2 ORDER BY id LIMIT $3"
        ),
        (true, true) => concat!(
            "SELECT ",
            audit_cols!(),
            " FROM audit_log WHERE org_id = $4 AND id > $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ),
    }
}

/// Writes `impl Store for $store` over sqlx database `$db`, whose pool is
/// `self.pool`; write transactions start with `$begin`. The backend module
/// provides `backup_impl` and the `BACKEND` constant.
macro_rules! store_impl {
    ($store:ident, $db:ty, $begin:literal) => {
        use std::path::Path;

        use async_trait::async_trait;
        use sqlx::Row as _;
        use time::OffsetDateTime;

        use crate::error::{Error, Result};
        use crate::model::*;
        use crate::secret;
        use crate::sql::{conflict, json, ts};
        use crate::store::{Backend, Store};

        type DbRow = <$db as sqlx::Database>::Row;
        type Conn = <$db as sqlx::Database>::Connection;

        /// How often "last seen" / "last used" times are written: not on
        /// every request, to keep reads from becoming writes.
        const TOUCH_EVERY: time::Duration = time::Duration::minutes(1);

        fn org_from_row(r: &DbRow) -> Result<Organisation> {
            Ok(Organisation {
                id: r.try_get("id")?,
                slug: r.try_get("slug")?,
                name: r.try_get("name")?,
                kind: r.try_get::<String, _>("kind")?.parse()?,
                procurement_threshold_pence: r.try_get("procurement_threshold_pence")?,
                small_purchase_threshold_pence: r.try_get("small_purchase_threshold_pence")?,
                created_at: r.try_get("created_at")?,
            })
        }

        fn user_from_row(r: &DbRow) -> Result<User> {
            Ok(User {
                id: r.try_get("id")?,
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                disabled: r.try_get("disabled")?,
                failed_logins: r.try_get("failed_logins")?,
                locked_until: r.try_get("locked_until")?,
                created_at: r.try_get("created_at")?,
            })
        }

        fn membership_from_row(r: &DbRow) -> Result<Membership> {
            Ok(Membership {
                user_id: r.try_get("user_id")?,
                org_id: r.try_get("org_id")?,
                role: r.try_get::<String, _>("role")?.parse()?,
                supplier_id: r.try_get("supplier_id")?,
                created_at: r.try_get("created_at")?,
            })
        }

        fn supplier_from_row(r: &DbRow) -> Result<Supplier> {
            Ok(Supplier {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                name: r.try_get("name")?,
                company_number: r.try_get("company_number")?,
                postcode: r.try_get("postcode")?,
                created_at: r.try_get("created_at")?,
            })
        }

        fn invitation_from_row(r: &DbRow) -> Result<Invitation> {
            Ok(Invitation {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                email: r.try_get("email")?,
                role: r.try_get::<String, _>("role")?.parse()?,
                supplier_id: r.try_get("supplier_id")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                accepted_at: r.try_get("accepted_at")?,
            })
        }

        fn session_from_row(r: &DbRow) -> Result<(Session, i64)> {
            Ok((
                Session {
                    id_hash: r.try_get("id_hash")?,
                    user_id: r.try_get("user_id")?,
                    csrf_secret: r.try_get("csrf_secret")?,
                    created_at: r.try_get("created_at")?,
                    last_seen_at: r.try_get("last_seen_at")?,
                    idle_expires_at: r.try_get("idle_expires_at")?,
                    expires_at: r.try_get("expires_at")?,
                },
                r.try_get("idle_seconds")?,
            ))
        }

        fn token_from_row(r: &DbRow) -> Result<ApiToken> {
            Ok(ApiToken {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                name: r.try_get("name")?,
                prefix: r.try_get("prefix")?,
                role: r.try_get::<String, _>("role")?.parse()?,
                supplier_id: r.try_get("supplier_id")?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                last_used_at: r.try_get("last_used_at")?,
                revoked_at: r.try_get("revoked_at")?,
            })
        }

        fn framework_from_row(r: &DbRow) -> Result<FrameworkRecord> {
            Ok(FrameworkRecord {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                name: r.try_get("name")?,
                edition: r.try_get("edition")?,
                format: r.try_get::<String, _>("format")?.parse()?,
                sha256: r.try_get("sha256")?,
                created_at: r.try_get("created_at")?,
                source: r.try_get("source")?,
            })
        }

        fn audit_from_row(r: &DbRow) -> Result<AuditEntry> {
            Ok(AuditEntry {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor_user_id: r.try_get("actor_user_id")?,
                actor: r.try_get("actor")?,
                org_id: r.try_get("org_id")?,
                action: r.try_get::<String, _>("action")?.parse()?,
                entity_type: r.try_get("entity_type")?,
                entity_id: r.try_get("entity_id")?,
                before: r.try_get("before")?,
                after: r.try_get("after")?,
            })
        }

        /// One audit row, written inside the caller's transaction.
        struct Audit<'a> {
            actor: &'a Actor,
            now: OffsetDateTime,
            org_id: Option<i64>,
            action: AuditAction,
            entity_type: &'static str,
            entity_id: String,
            before: Option<String>,
            after: Option<String>,
        }

        /// The shapes audit rows take. `entity_id` is the entity's key as
        /// text; `before` and `after` are whole entities, kept as JSON.
        impl<'a> Audit<'a> {
            /// A row of `action` on an entity, with neither side filled in.
            fn new(
                actor: &'a Actor,
                now: OffsetDateTime,
                org_id: Option<i64>,
                action: AuditAction,
                entity_type: &'static str,
                entity_id: impl std::fmt::Display,
            ) -> Self {
                let entity_id = entity_id.to_string();
                Audit { actor, now, org_id, action, entity_type, entity_id, before: None, after: None }
            }

            /// A new entity: nothing before, the entity as created after.
            fn created(
                actor: &'a Actor,
                now: OffsetDateTime,
                org_id: Option<i64>,
                entity_type: &'static str,
                entity_id: impl std::fmt::Display,
                after: &impl serde::Serialize,
            ) -> Self {
                Audit {
                    after: json(after),
                    ..Audit::new(actor, now, org_id, AuditAction::Create, entity_type, entity_id)
                }
            }

            /// A changed entity: as it was and as it is now.
            fn updated(
                actor: &'a Actor,
                now: OffsetDateTime,
                org_id: Option<i64>,
                entity_type: &'static str,
                entity_id: impl std::fmt::Display,
                before: &impl serde::Serialize,
                after: &impl serde::Serialize,
            ) -> Self {
                Audit {
                    before: json(before),
                    after: json(after),
                    ..Audit::new(actor, now, org_id, AuditAction::Update, entity_type, entity_id)
                }
            }

            /// A removed entity: as it was, nothing after.
            fn deleted(
                actor: &'a Actor,
                now: OffsetDateTime,
                org_id: Option<i64>,
                entity_type: &'static str,
                entity_id: impl std::fmt::Display,
                before: &impl serde::Serialize,
            ) -> Self {
                Audit {
                    before: json(before),
                    ..Audit::new(actor, now, org_id, AuditAction::Delete, entity_type, entity_id)
                }
            }

            /// Something an entity may or may not have had (a bid's score),
            /// now set: a create the first time, an update when it replaces
            /// an earlier one. A side that is absent is written as no JSON.
            fn created_or_updated<T: serde::Serialize>(
                actor: &'a Actor,
                now: OffsetDateTime,
                org_id: Option<i64>,
                entity_type: &'static str,
                entity_id: impl std::fmt::Display,
                before: Option<&T>,
                after: Option<&T>,
            ) -> Self {
                let action = if before.is_some() { AuditAction::Update } else { AuditAction::Create };
                Audit {
                    before: before.and_then(json),
                    after: after.and_then(json),
                    ..Audit::new(actor, now, org_id, action, entity_type, entity_id)
                }
            }
        }

        /// Records a file put into a spend area (payments, a register):
        /// an audit row of `entity_type` whose id is the file's SHA-256.
        #[allow(clippy::too_many_arguments)]
        /// Records `files` (source, SHA-256, what to record) put in place in
        /// an organisation's spend area, all in one transaction: a change of
        /// several files is in the audit log whole or not at all.
        async fn record_spend_file<T: serde::Serialize>(
            store: &$store,
            actor: &Actor,
            now: OffsetDateTime,
            org_id: i64,
            entity_type: &'static str,
            files: &[(&str, &str, &T)],
        ) -> Result<()> {
            let what = entity_type.replace('_', " ");
            for (source, sha256, _) in files {
                if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return crate::sql::invalid(format!(
                        "{what} {source:?}: {sha256:?} is not a SHA-256 (64 hexadecimal digits)"
                    ));
                }
                if source.trim().is_empty() {
                    return crate::sql::invalid(format!("{what}: the source file has no name"));
                }
            }
            let mut tx = store.pool.begin_with($begin).await?;
            // The audit log has no foreign keys (it outlives what it
            // describes), so check the organisation here.
            get_org(&mut tx, org_id).await?;
            for (_, sha256, after) in files {
                write_audit(
                    &mut tx,
                    Audit::created(actor, now, Some(org_id), entity_type, sha256.to_ascii_lowercase(), after),
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        /// The files of `entity_type` recorded for an organisation, newest
        /// first: when, by whom, and what (the row's `after`).
        async fn spend_files<T: serde::de::DeserializeOwned>(
            store: &$store,
            org_id: i64,
            entity_type: &str,
        ) -> Result<Vec<(OffsetDateTime, String, T)>> {
            let rows = sqlx::query(concat!(
                "SELECT ",
                audit_cols!(),
                " FROM audit_log WHERE org_id = $1 AND entity_type = $2 ORDER BY id DESC"
            ))
            .bind(org_id)
            .bind(entity_type)
            .fetch_all(&store.pool)
            .await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let e = audit_from_row(r)?;
                let after = e.after.as_deref().unwrap_or("null");
                let what: T = serde_json::from_str(after).map_err(|err| Error::Invalid {
                    detail: format!("audit row {}: not a {entity_type} row: {err}", e.id),
                })?;
                out.push((e.at, e.actor, what));
            }
            Ok(out)
        }

        async fn write_audit(c: &mut Conn, a: Audit<'_>) -> Result<()> {
            sqlx::query(
                "INSERT INTO audit_log (at, actor_user_id, actor, org_id, action, entity_type, entity_id, before, after)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(ts(a.now))
            .bind(a.actor.user_id)
            .bind(&a.actor.label)
            .bind(a.org_id)
            .bind(a.action.as_str())
            .bind(a.entity_type)
            .bind(a.entity_id)
            .bind(a.before)
            .bind(a.after)
            .execute(&mut *c)
            .await?;
            Ok(())
        }

        async fn get_org(c: &mut Conn, id: i64) -> Result<Organisation> {
            let row = sqlx::query(concat!("SELECT ", org_cols!(), " FROM organisations WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
                .ok_or(Error::NotFound { entity: "organisation" })?;
            org_from_row(&row)
        }

        async fn get_user(c: &mut Conn, id: i64) -> Result<User> {
            let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
                .ok_or(Error::NotFound { entity: "user" })?;
            user_from_row(&row)
        }

        async fn get_membership(c: &mut Conn, user_id: i64, org_id: i64) -> Result<Membership> {
            let row = sqlx::query(concat!(
                "SELECT ",
                membership_cols!(),
                " FROM memberships WHERE user_id = $1 AND org_id = $2"
            ))
            .bind(user_id)
            .bind(org_id)
            .fetch_optional(&mut *c)
            .await?
            .ok_or(Error::NotFound { entity: "membership" })?;
            membership_from_row(&row)
        }

        async fn get_token(c: &mut Conn, id: i64) -> Result<ApiToken> {
            let row = sqlx::query(concat!("SELECT ", token_cols!(), " FROM api_tokens WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
                .ok_or(Error::NotFound { entity: "API token" })?;
            token_from_row(&row)
        }

        async fn get_framework(c: &mut Conn, id: i64) -> Result<FrameworkRecord> {
            let row = sqlx::query(concat!("SELECT ", framework_cols!(), " FROM frameworks WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *c)
                .await?
                .ok_or(Error::NotFound { entity: "framework" })?;
            framework_from_row(&row)
        }

        async fn insert_user(c: &mut Conn, now: OffsetDateTime, new: &NewUser) -> Result<User> {
            let email = normalise_email(&new.email);
            if !email.contains('@') {
                return Err(Error::Invalid { detail: format!("{email:?} is not an e-mail address") });
            }
            if new.password_hash.is_empty() {
                return Err(Error::Invalid { detail: "a user needs a password".to_string() });
            }
            let row = sqlx::query(concat!(
                "INSERT INTO users (email, name, password_hash, created_at, password_changed_at)
                 VALUES ($1, $2, $3, $4, $4) RETURNING ",
                user_cols!()
            ))
            .bind(&email)
            .bind(new.name.trim())
            .bind(&new.password_hash)
            .bind(ts(now))
            .fetch_one(&mut *c)
            .await
            .map_err(|e| conflict(e, || format!("a user with e-mail address {email} already exists")))?;
            user_from_row(&row)
        }

        /// Refuses a change that takes admin away from `user_id` in
        /// `org_id` (a new role, removal, a disabled account) if they are
        /// its only admin who can sign in. Call it inside the change's
        /// transaction, before the change: on PostgreSQL it locks the
        /// organisation's row until the transaction ends, so two such
        /// changes in one organisation run one after the other and the
        /// second sees the first (SQLite's write transactions already do).
        async fn keep_an_admin(c: &mut Conn, org_id: i64, user_id: i64) -> Result<()> {
            if BACKEND == Backend::Postgres {
                sqlx::query("SELECT id FROM organisations WHERE id = $1 FOR UPDATE")
                    .bind(org_id)
                    .execute(&mut *c)
                    .await?;
            }
            let row = sqlx::query(
                "SELECT
                    (SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
                      WHERE m.org_id = $1 AND m.user_id = $2 AND m.role = 'admin' AND NOT u.disabled) AS me,
                    (SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
                      WHERE m.org_id = $1 AND m.user_id <> $2 AND m.role = 'admin' AND NOT u.disabled) AS others",
            )
            .bind(org_id)
            .bind(user_id)
            .fetch_one(&mut *c)
            .await?;
            let me: i64 = row.try_get("me")?;
            let others: i64 = row.try_get("others")?;
            if me > 0 && others == 0 {
                let user = get_user(c, user_id).await?;
                let org = get_org(c, org_id).await?;
                return Err(Error::LastAdmin {
                    user: user.email,
                    org: org.name,
                });
            }
            Ok(())
        }

        fn check_role(role: Role, supplier_id: Option<i64>) -> Result<()> {
            match (role, supplier_id) {
                (Role::Supplier, None) => {
                    Err(Error::Invalid { detail: "a supplier role needs a supplier company".to_string() })
                }
                (Role::Supplier, Some(_)) | (_, None) => Ok(()),
                (_, Some(_)) => Err(Error::Invalid {
                    detail: format!("only a supplier role has a supplier company, not {role}"),
                }),
            }
        }

        async fn insert_membership(
            c: &mut Conn,
            actor: &Actor,
            now: OffsetDateTime,
            m: &NewMembership,
        ) -> Result<Membership> {
            check_role(m.role, m.supplier_id)?;
            let row = sqlx::query(concat!(
                "INSERT INTO memberships (user_id, org_id, role, supplier_id, created_at)
                 VALUES ($1, $2, $3, $4, $5) RETURNING ",
                membership_cols!()
            ))
            .bind(m.user_id)
            .bind(m.org_id)
            .bind(m.role.as_str())
            .bind(m.supplier_id)
            .bind(ts(now))
            .fetch_one(&mut *c)
            .await
            .map_err(|e| conflict(e, || "the user is already a member of this organisation".to_string()))?;
            let created = membership_from_row(&row)?;
            write_audit(
                c,
                Audit::created(
                    actor,
                    now,
                    Some(created.org_id),
                    "membership",
                    format!("{}:{}", created.user_id, created.org_id),
                    &created,
                ),
            )
            .await?;
            Ok(created)
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                BACKEND
            }

            async fn create_organisation(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                new: &NewOrganisation,
            ) -> Result<Organisation> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(concat!(
                    "INSERT INTO organisations (slug, name, kind, procurement_threshold_pence, small_purchase_threshold_pence, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                    org_cols!()
                ))
                .bind(new.slug.trim().to_lowercase())
                .bind(new.name.trim())
                .bind(new.kind.as_str())
                .bind(new.procurement_threshold_pence)
                .bind(new.small_purchase_threshold_pence)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict(e, || format!("an organisation with slug {:?} already exists", new.slug)))?;
                let org = org_from_row(&row)?;
                write_audit(&mut tx, Audit::created(actor, now, Some(org.id), "organisation", org.id, &org)).await?;
                tx.commit().await?;
                Ok(org)
            }

            async fn update_organisation(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                id: i64,
                new: &NewOrganisation,
            ) -> Result<Organisation> {
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_org(&mut tx, id).await?;
                let row = sqlx::query(concat!(
                    "UPDATE organisations SET slug = $2, name = $3, kind = $4,
                     procurement_threshold_pence = $5, small_purchase_threshold_pence = $6
                     WHERE id = $1 RETURNING ",
                    org_cols!()
                ))
                .bind(id)
                .bind(new.slug.trim().to_lowercase())
                .bind(new.name.trim())
                .bind(new.kind.as_str())
                .bind(new.procurement_threshold_pence)
                .bind(new.small_purchase_threshold_pence)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict(e, || format!("an organisation with slug {:?} already exists", new.slug)))?;
                let after = org_from_row(&row)?;
                write_audit(&mut tx, Audit::updated(actor, now, Some(id), "organisation", id, &before, &after)).await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn organisation(&self, id: i64) -> Result<Organisation> {
                let mut c = self.pool.acquire().await?;
                get_org(&mut c, id).await
            }

            async fn organisation_by_slug(&self, slug: &str) -> Result<Organisation> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    org_cols!(),
                    " FROM organisations WHERE lower(slug) = $1"
                ))
                .bind(slug.trim().to_lowercase())
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound { entity: "organisation" })?;
                org_from_row(&row)
            }

            async fn organisations(&self) -> Result<Vec<Organisation>> {
                sqlx::query(concat!("SELECT ", org_cols!(), " FROM organisations ORDER BY name, id"))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(org_from_row)
                    .collect()
            }

            async fn create_user(&self, actor: &Actor, now: OffsetDateTime, new: &NewUser) -> Result<User> {
                let mut tx = self.pool.begin_with($begin).await?;
                let user = insert_user(&mut tx, now, new).await?;
                write_audit(&mut tx, Audit::created(actor, now, None, "user", user.id, &user)).await?;
                tx.commit().await?;
                Ok(user)
            }

            async fn user(&self, id: i64) -> Result<User> {
                let mut c = self.pool.acquire().await?;
                get_user(&mut c, id).await
            }

            async fn user_by_email(&self, email: &str) -> Result<User> {
                let row = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE lower(email) = $1"))
                    .bind(normalise_email(email))
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(Error::NotFound { entity: "user" })?;
                user_from_row(&row)
            }

            async fn users(&self, org_id: Option<i64>) -> Result<Vec<User>> {
                let rows = match org_id {
                    None => {
                        sqlx::query(concat!("SELECT ", user_cols!(), " FROM users ORDER BY email"))
                            .fetch_all(&self.pool)
                            .await?
                    }
                    Some(org_id) => {
                        sqlx::query(concat!(
                            "SELECT ",
                            user_cols!(),
                            " FROM users WHERE id IN (SELECT user_id FROM memberships WHERE org_id = $1) ORDER BY email"
                        ))
                        .bind(org_id)
                        .fetch_all(&self.pool)
                        .await?
                    }
                };
                rows.iter().map(user_from_row).collect()
            }

            async fn rename_user(&self, actor: &Actor, now: OffsetDateTime, id: i64, name: &str) -> Result<User> {
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_user(&mut tx, id).await?;
                let row = sqlx::query(concat!("UPDATE users SET name = $2 WHERE id = $1 RETURNING ", user_cols!()))
                    .bind(id)
                    .bind(name.trim())
                    .fetch_one(&mut *tx)
                    .await?;
                let after = user_from_row(&row)?;
                write_audit(&mut tx, Audit::updated(actor, now, None, "user", id, &before, &after)).await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn set_user_disabled(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                id: i64,
                disabled: bool,
            ) -> Result<User> {
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_user(&mut tx, id).await?;
                if disabled && !before.disabled {
                    // Every organisation they administer keeps an admin; in
                    // id order, so concurrent changes lock rows in one order.
                    let orgs: Vec<i64> = sqlx::query_scalar(
                        "SELECT org_id FROM memberships WHERE user_id = $1 AND role = 'admin' ORDER BY org_id",
                    )
                    .bind(id)
                    .fetch_all(&mut *tx)
                    .await?;
                    for org_id in orgs {
                        keep_an_admin(&mut tx, org_id, id).await?;
                    }
                }
                let row = sqlx::query(concat!("UPDATE users SET disabled = $2 WHERE id = $1 RETURNING ", user_cols!()))
                    .bind(id)
                    .bind(disabled)
                    .fetch_one(&mut *tx)
                    .await?;
                let after = user_from_row(&row)?;
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
                }
                // An account that can or cannot sign in matters to every
                // organisation it belongs to: one row in each one's log (so
                // its admins see it), or one with no organisation.
                let orgs: Vec<i64> =
                    sqlx::query_scalar("SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY org_id")
                        .bind(id)
                        .fetch_all(&mut *tx)
                        .await?;
                let orgs: Vec<Option<i64>> =
                    if orgs.is_empty() { vec![None] } else { orgs.into_iter().map(Some).collect() };
                for org_id in orgs {
                    write_audit(&mut tx, Audit::updated(actor, now, org_id, "user", id, &before, &after)).await?;
                }
                tx.commit().await?;
                Ok(after)
            }

            async fn set_password(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                user_id: i64,
                password_hash: &str,
            ) -> Result<User> {
                if password_hash.is_empty() {
                    return Err(Error::Invalid { detail: "a user needs a password".to_string() });
                }
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_user(&mut tx, user_id).await?;
                let row = sqlx::query(concat!(
                    "UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = NULL
                     WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(user_id)
                .bind(password_hash)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await?;
                let after = user_from_row(&row)?;
                // The hash is never in the audit log; the row records that
                // the password changed.
                let mut after_json = serde_json::to_value(&after).unwrap_or_default();
                after_json["password_changed_at"] = serde_json::Value::String(
                    ts(now).format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                );
                write_audit(&mut tx, Audit::updated(actor, now, None, "user", user_id, &before, &after_json)).await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn credentials(&self, email: &str) -> Result<Credentials> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    user_cols!(),
                    ", password_hash FROM users WHERE lower(email) = $1"
                ))
                .bind(normalise_email(email))
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound { entity: "user" })?;
                Ok(Credentials { user: user_from_row(&row)?, password_hash: row.try_get("password_hash")? })
            }

            async fn record_login_failure(
                &self,
                user_id: i64,
                now: OffsetDateTime,
                policy: &LockoutPolicy,
            ) -> Result<User> {
                // One statement, so concurrent failures all count.
                let row = sqlx::query(concat!(
                    "UPDATE users SET failed_logins = failed_logins + 1,
                     locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
                     WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(user_id)
                .bind(policy.max_failures)
                .bind(ts(now + policy.lock_for))
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound { entity: "user" })?;
                user_from_row(&row)
            }

            async fn record_login_success(&self, user_id: i64, _now: OffsetDateTime) -> Result<User> {
                let row = sqlx::query(concat!(
                    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1 RETURNING ",
                    user_cols!()
                ))
                .bind(user_id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound { entity: "user" })?;
                user_from_row(&row)
            }

            async fn add_membership(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                membership: &NewMembership,
            ) -> Result<Membership> {
                let mut tx = self.pool.begin_with($begin).await?;
                let created = insert_membership(&mut tx, actor, now, membership).await?;
                tx.commit().await?;
                Ok(created)
            }

            async fn update_membership(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                m: &NewMembership,
            ) -> Result<Membership> {
                check_role(m.role, m.supplier_id)?;
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_membership(&mut tx, m.user_id, m.org_id).await?;
                if before.role == Role::Admin && m.role != Role::Admin {
                    keep_an_admin(&mut tx, m.org_id, m.user_id).await?;
                }
                let row = sqlx::query(concat!(
                    "UPDATE memberships SET role = $3, supplier_id = $4 WHERE user_id = $1 AND org_id = $2 RETURNING ",
                    membership_cols!()
                ))
                .bind(m.user_id)
                .bind(m.org_id)
                .bind(m.role.as_str())
                .bind(m.supplier_id)
                .fetch_one(&mut *tx)
                .await?;
                let after = membership_from_row(&row)?;
                write_audit(
                    &mut tx,
                    Audit::updated(
                        actor,
                        now,
                        Some(m.org_id),
                        "membership",
                        format!("{}:{}", m.user_id, m.org_id),
                        &before,
                        &after,
                    ),
                )
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn remove_membership(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                user_id: i64,
                org_id: i64,
            ) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_membership(&mut tx, user_id, org_id).await?;
                if before.role == Role::Admin {
                    keep_an_admin(&mut tx, org_id, user_id).await?;
                }
                sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND org_id = $2")
                    .bind(user_id)
                    .bind(org_id)
                    .execute(&mut *tx)
                    .await?;
                write_audit(
                    &mut tx,
                    Audit::deleted(actor, now, Some(org_id), "membership", format!("{user_id}:{org_id}"), &before),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn membership(&self, user_id: i64, org_id: i64) -> Result<Membership> {
                let mut c = self.pool.acquire().await?;
                get_membership(&mut c, user_id, org_id).await
            }

            async fn memberships(&self, user_id: i64) -> Result<Vec<OrgMembership>> {
                let rows = sqlx::query(
                    "SELECT m.user_id, m.org_id, m.role, m.supplier_id, m.created_at AS m_created_at,
                            o.id, o.slug, o.name, o.kind, o.procurement_threshold_pence,
                            o.small_purchase_threshold_pence, o.created_at
                     FROM memberships m JOIN organisations o ON o.id = m.org_id
                     WHERE m.user_id = $1 ORDER BY o.name, o.id",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(OrgMembership {
                            organisation: org_from_row(r)?,
                            membership: Membership {
                                user_id: r.try_get("user_id")?,
                                org_id: r.try_get("org_id")?,
                                role: r.try_get::<String, _>("role")?.parse()?,
                                supplier_id: r.try_get("supplier_id")?,
                                created_at: r.try_get("m_created_at")?,
                            },
                        })
                    })
                    .collect()
            }

            async fn members(&self, org_id: i64) -> Result<Vec<Member>> {
                let rows = sqlx::query(
                    "SELECT m.user_id, m.org_id, m.role, m.supplier_id, m.created_at AS m_created_at,
                            u.id, u.email, u.name, u.disabled, u.failed_logins, u.locked_until, u.created_at
                     FROM memberships m JOIN users u ON u.id = m.user_id
                     WHERE m.org_id = $1 ORDER BY u.email",
                )
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Member {
                            user: user_from_row(r)?,
                            membership: Membership {
                                user_id: r.try_get("user_id")?,
                                org_id: r.try_get("org_id")?,
                                role: r.try_get::<String, _>("role")?.parse()?,
                                supplier_id: r.try_get("supplier_id")?,
                                created_at: r.try_get("m_created_at")?,
                            },
                        })
                    })
                    .collect()
            }

            async fn create_supplier(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                new: &NewSupplier,
            ) -> Result<Supplier> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(concat!(
                    "INSERT INTO suppliers (org_id, name, company_number, postcode, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING ",
                    supplier_cols!()
                ))
                .bind(new.org_id)
                .bind(new.name.trim())
                .bind(new.company_number.as_deref())
                .bind(new.postcode.as_deref())
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| conflict(e, || format!("a supplier named {:?} already exists", new.name)))?;
                let supplier = supplier_from_row(&row)?;
                write_audit(
                    &mut tx,
                    Audit::created(actor, now, Some(supplier.org_id), "supplier", supplier.id, &supplier),
                )
                .await?;
                tx.commit().await?;
                Ok(supplier)
            }

            async fn supplier(&self, id: i64) -> Result<Supplier> {
                let row = sqlx::query(concat!("SELECT ", supplier_cols!(), " FROM suppliers WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?
                    .ok_or(Error::NotFound { entity: "supplier" })?;
                supplier_from_row(&row)
            }

            async fn suppliers(&self, org_id: i64) -> Result<Vec<Supplier>> {
                sqlx::query(concat!(
                    "SELECT ",
                    supplier_cols!(),
                    " FROM suppliers WHERE org_id = $1 ORDER BY name, id"
                ))
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(supplier_from_row)
                .collect()
            }

            async fn create_invitation(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                new: &NewInvitation,
            ) -> Result<(Invitation, String)> {
                check_role(new.role, new.supplier_id)?;
                let email = normalise_email(&new.email);
                if !email.contains('@') {
                    return Err(Error::Invalid { detail: format!("{email:?} is not an e-mail address") });
                }
                let token = secret::generate()?;
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(concat!(
                    "INSERT INTO invitations (org_id, email, role, supplier_id, token_hash, created_by, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
                    invitation_cols!()
                ))
                .bind(new.org_id)
                .bind(&email)
                .bind(new.role.as_str())
                .bind(new.supplier_id)
                .bind(secret::hash(&token))
                .bind(actor.user_id)
                .bind(ts(now))
                .bind(ts(new.expires_at))
                .fetch_one(&mut *tx)
                .await?;
                let invitation = invitation_from_row(&row)?;
                write_audit(
                    &mut tx,
                    Audit::created(actor, now, Some(invitation.org_id), "invitation", invitation.id, &invitation),
                )
                .await?;
                tx.commit().await?;
                Ok((invitation, token))
            }

            async fn invitation(&self, token: &str, now: OffsetDateTime) -> Result<Invitation> {
                let row = sqlx::query(concat!(
                    "SELECT ",
                    invitation_cols!(),
                    " FROM invitations WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2"
                ))
                .bind(secret::hash(token))
                .bind(ts(now))
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound { entity: "invitation" })?;
                invitation_from_row(&row)
            }

            async fn accept_invitation(
                &self,
                token: &str,
                now: OffsetDateTime,
                accept: &AcceptInvitation,
            ) -> Result<(User, Membership)> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(concat!(
                    "SELECT ",
                    invitation_cols!(),
                    " FROM invitations WHERE token_hash = $1 AND accepted_at IS NULL AND expires_at > $2"
                ))
                .bind(secret::hash(token))
                .bind(ts(now))
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(Error::NotFound { entity: "invitation" })?;
                let before = invitation_from_row(&row)?;
                let existing = sqlx::query(concat!("SELECT ", user_cols!(), " FROM users WHERE lower(email) = $1"))
                    .bind(&before.email)
                    .fetch_optional(&mut *tx)
                    .await?;
                let user = match existing {
                    Some(row) => user_from_row(&row)?,
                    None => {
                        let user = insert_user(
                            &mut tx,
                            now,
                            &NewUser {
                                email: before.email.clone(),
                                name: accept.name.clone(),
                                password_hash: accept.password_hash.clone(),
                            },
                        )
                        .await?;
                        write_audit(
                            &mut tx,
                            Audit::created(&Actor::user(&user), now, Some(before.org_id), "user", user.id, &user),
                        )
                        .await?;
                        user
                    }
                };
                let actor = Actor::user(&user);
                // Conditional, so that two people racing with one link
                // cannot both use it.
                let used = sqlx::query(
                    "UPDATE invitations SET accepted_at = $2, accepted_by = $3 WHERE id = $1 AND accepted_at IS NULL",
                )
                .bind(before.id)
                .bind(ts(now))
                .bind(user.id)
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() != 1 {
                    return Err(Error::NotFound { entity: "invitation" });
                }
                let after = Invitation { accepted_at: Some(ts(now)), ..before.clone() };
                write_audit(
                    &mut tx,
                    Audit::updated(&actor, now, Some(before.org_id), "invitation", before.id, &before, &after),
                )
                .await?;
                let membership = insert_membership(
                    &mut tx,
                    &actor,
                    now,
                    &NewMembership {
                        user_id: user.id,
                        org_id: before.org_id,
                        role: before.role,
                        supplier_id: before.supplier_id,
                    },
                )
                .await?;
                tx.commit().await?;
                Ok((user, membership))
            }

            async fn invitations(&self, org_id: i64) -> Result<Vec<Invitation>> {
                sqlx::query(concat!(
                    "SELECT ",
                    invitation_cols!(),
                    " FROM invitations WHERE org_id = $1 ORDER BY id DESC"
                ))
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(invitation_from_row)
                .collect()
            }

            async fn create_session(
                &self,
                user_id: i64,
                now: OffsetDateTime,
                policy: &SessionPolicy,
            ) -> Result<(Session, String)> {
                let id = secret::generate()?;
                let now = ts(now);
                let expires_at = ts(now + policy.absolute);
                let session = Session {
                    id_hash: secret::hash(&id),
                    user_id,
                    csrf_secret: secret::generate()?,
                    created_at: now,
                    last_seen_at: now,
                    idle_expires_at: ts(now + policy.idle).min(expires_at),
                    expires_at,
                };
                sqlx::query(
                    "INSERT INTO sessions (id_hash, user_id, csrf_secret, created_at, last_seen_at, idle_seconds, idle_expires_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&session.id_hash)
                .bind(user_id)
                .bind(&session.csrf_secret)
                .bind(session.created_at)
                .bind(session.last_seen_at)
                .bind(policy.idle.whole_seconds())
                .bind(session.idle_expires_at)
                .bind(session.expires_at)
                .execute(&self.pool)
                .await
                .map_err(|e| match Error::from(e) {
                    Error::Invalid { .. } => Error::NotFound { entity: "user" },
                    other => other,
                })?;
                Ok((session, id))
            }

            async fn session(&self, session_id: &str, now: OffsetDateTime) -> Result<SessionUser> {
                Ok(self.session_access(session_id, None, now).await?.session)
            }

            async fn session_access(
                &self,
                session_id: &str,
                org_slug: Option<&str>,
                now: OffsetDateTime,
            ) -> Result<SessionAccess> {
                let now = ts(now);
                let id_hash = secret::hash(session_id);
                // One round trip for session, user, organisation and
                // membership: the guard runs this before every request.
                let row = sqlx::query(
                    "SELECT s.id_hash, s.user_id, s.csrf_secret, s.created_at, s.last_seen_at, s.idle_seconds,
                            s.idle_expires_at, s.expires_at,
                            u.id AS u_id, u.email AS u_email, u.name AS u_name, u.disabled AS u_disabled,
                            u.failed_logins AS u_failed_logins, u.locked_until AS u_locked_until,
                            u.created_at AS u_created_at,
                            o.id AS o_id, o.slug AS o_slug, o.name AS o_name, o.kind AS o_kind,
                            o.procurement_threshold_pence AS o_procurement_threshold_pence,
                            o.small_purchase_threshold_pence AS o_small_purchase_threshold_pence,
                            o.created_at AS o_created_at,
                            m.role AS m_role, m.supplier_id AS m_supplier_id, m.created_at AS m_created_at
                     FROM sessions s
                     JOIN users u ON u.id = s.user_id
                     LEFT JOIN organisations o ON lower(o.slug) = $2
                     LEFT JOIN memberships m ON m.user_id = s.user_id AND m.org_id = o.id
                     WHERE s.id_hash = $1",
                )
                .bind(&id_hash)
                .bind(org_slug.map(|s| s.trim().to_lowercase()))
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound { entity: "session" })?;
                let (mut session, idle_seconds) = session_from_row(&row)?;
                if now >= session.idle_expires_at || now >= session.expires_at {
                    sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(&id_hash).execute(&self.pool).await?;
                    return Err(Error::NotFound { entity: "session" });
                }
                let user = User {
                    id: row.try_get("u_id")?,
                    email: row.try_get("u_email")?,
                    name: row.try_get("u_name")?,
                    disabled: row.try_get("u_disabled")?,
                    failed_logins: row.try_get("u_failed_logins")?,
                    locked_until: row.try_get("u_locked_until")?,
                    created_at: row.try_get("u_created_at")?,
                };
                if user.disabled {
                    return Err(Error::NotFound { entity: "session" });
                }
                let membership = match row.try_get::<Option<String>, _>("m_role")? {
                    Some(role) => {
                        let org_id: i64 = row.try_get("o_id")?;
                        Some(OrgMembership {
                            organisation: Organisation {
                                id: org_id,
                                slug: row.try_get("o_slug")?,
                                name: row.try_get("o_name")?,
                                kind: row.try_get::<String, _>("o_kind")?.parse()?,
                                procurement_threshold_pence: row.try_get("o_procurement_threshold_pence")?,
                                small_purchase_threshold_pence: row.try_get("o_small_purchase_threshold_pence")?,
                                created_at: row.try_get("o_created_at")?,
                            },
                            membership: Membership {
                                user_id: user.id,
                                org_id,
                                role: role.parse()?,
                                supplier_id: row.try_get("m_supplier_id")?,
                                created_at: row.try_get("m_created_at")?,
                            },
                        })
                    }
                    None => None,
                };
                // Reads stay reads: "last seen" moves at most once a minute.
                if now - session.last_seen_at >= TOUCH_EVERY {
                    session.last_seen_at = now;
                    session.idle_expires_at = ts(now + time::Duration::seconds(idle_seconds)).min(session.expires_at);
                    sqlx::query("UPDATE sessions SET last_seen_at = $2, idle_expires_at = $3 WHERE id_hash = $1")
                        .bind(&id_hash)
                        .bind(session.last_seen_at)
                        .bind(session.idle_expires_at)
                        .execute(&self.pool)
                        .await?;
                }
                Ok(SessionAccess { session: SessionUser { session, user }, membership })
            }

            async fn delete_session(&self, session_id: &str) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(secret::hash(session_id))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_user_sessions(&self, user_id: i64, except: Option<&str>) -> Result<u64> {
                let keep = except.map(secret::hash).unwrap_or_default();
                let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
                    .bind(user_id)
                    .bind(keep)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
                let done = sqlx::query("DELETE FROM sessions WHERE idle_expires_at <= $1 OR expires_at <= $1")
                    .bind(ts(now))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn create_api_token(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                new: &NewApiToken,
            ) -> Result<(ApiToken, String)> {
                check_role(new.role, new.supplier_id)?;
                let secret = format!("svt_{}", secret::generate()?);
                let prefix: String = secret.chars().take(12).collect();
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(concat!(
                    "INSERT INTO api_tokens (org_id, name, prefix, token_hash, role, supplier_id, created_by, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ",
                    token_cols!()
                ))
                .bind(new.org_id)
                .bind(new.name.trim())
                .bind(&prefix)
                .bind(secret::hash(&secret))
                .bind(new.role.as_str())
                .bind(new.supplier_id)
                .bind(actor.user_id)
                .bind(ts(now))
                .bind(new.expires_at.map(ts))
                .fetch_one(&mut *tx)
                .await?;
                let token = token_from_row(&row)?;
                write_audit(
                    &mut tx,
                    Audit::created(actor, now, Some(token.org_id), "api_token", token.id, &token),
                )
                .await?;
                tx.commit().await?;
                Ok((token, secret))
            }

            async fn api_token(&self, secret: &str, now: OffsetDateTime) -> Result<ApiToken> {
                let now = ts(now);
                // A token made by a user works only while that user is an
                // admin of its organisation with an enabled account, checked
                // here at every request, so that removing, demoting or
                // disabling them stops their tokens at once. (Users are
                // never deleted, so `created_by` is NULL only for tokens
                // made at the command line.)
                let row = sqlx::query(concat!(
                    "SELECT ",
                    token_cols!(),
                    " FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)
                       AND (created_by IS NULL OR EXISTS (
                           SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                           WHERE m.user_id = api_tokens.created_by AND m.org_id = api_tokens.org_id
                             AND m.role = 'admin' AND NOT u.disabled))"
                ))
                .bind(secret::hash(secret))
                .bind(now)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(Error::NotFound { entity: "API token" })?;
                let mut token = token_from_row(&row)?;
                if token.last_used_at.is_none_or(|t| now - t >= TOUCH_EVERY) {
                    sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                        .bind(token.id)
                        .bind(now)
                        .execute(&self.pool)
                        .await?;
                    token.last_used_at = Some(now);
                }
                Ok(token)
            }

            async fn api_tokens(&self, org_id: i64) -> Result<Vec<ApiToken>> {
                sqlx::query(concat!("SELECT ", token_cols!(), " FROM api_tokens WHERE org_id = $1 ORDER BY id DESC"))
                    .bind(org_id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(token_from_row)
                    .collect()
            }

            async fn revoke_api_token(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<ApiToken> {
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_token(&mut tx, id).await?;
                if before.revoked_at.is_some() {
                    return Ok(before);
                }
                sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(ts(now))
                    .execute(&mut *tx)
                    .await?;
                let after = get_token(&mut tx, id).await?;
                write_audit(
                    &mut tx,
                    Audit::updated(actor, now, Some(after.org_id), "api_token", id, &before, &after),
                )
                .await?;
                tx.commit().await?;
                Ok(after)
            }

            async fn create_framework(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                new: &NewFramework,
            ) -> Result<FrameworkRecord> {
                let mut tx = self.pool.begin_with($begin).await?;
                let row = sqlx::query(concat!(
                    "INSERT INTO frameworks (org_id, name, edition, format, source, sha256, created_by, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ",
                    framework_cols!()
                ))
                .bind(new.org_id)
                .bind(new.name.trim())
                .bind(new.edition.trim())
                .bind(new.format.as_str())
                .bind(&new.source)
                .bind(secret::hash(&new.source))
                .bind(actor.user_id)
                .bind(ts(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| {
                    conflict(e, || {
                        format!("framework {:?} edition {:?} is already imported", new.name, new.edition)
                    })
                })?;
                let framework = framework_from_row(&row)?;
                write_audit(
                    &mut tx,
                    Audit::created(actor, now, Some(framework.org_id), "framework", framework.id, &framework),
                )
                .await?;
                tx.commit().await?;
                Ok(framework)
            }

            async fn framework(&self, id: i64) -> Result<FrameworkRecord> {
                let mut c = self.pool.acquire().await?;
                get_framework(&mut c, id).await
            }

            async fn frameworks(&self, org_id: i64) -> Result<Vec<FrameworkRecord>> {
                sqlx::query(concat!(
                    "SELECT ",
                    framework_cols!(),
                    " FROM frameworks WHERE org_id = $1 ORDER BY name, edition, id"
                ))
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(framework_from_row)
                .collect()
            }

            async fn delete_framework(&self, actor: &Actor, now: OffsetDateTime, id: i64) -> Result<()> {
                let mut tx = self.pool.begin_with($begin).await?;
                let before = get_framework(&mut tx, id).await?;
                sqlx::query("DELETE FROM frameworks WHERE id = $1").bind(id).execute(&mut *tx).await?;
                write_audit(&mut tx, Audit::deleted(actor, now, Some(before.org_id), "framework", id, &before)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_spend_imports(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                org_id: i64,
                imports: &[SpendImport],
            ) -> Result<()> {
                let files: Vec<_> = imports.iter().map(|i| (i.source.as_str(), i.sha256.as_str(), i)).collect();
                record_spend_file(self, actor, now, org_id, "spend_import", &files).await
            }

            async fn spend_imports(&self, org_id: i64) -> Result<Vec<SpendImportEntry>> {
                Ok(spend_files(self, org_id, "spend_import")
                    .await?
                    .into_iter()
                    .map(|(at, actor, import)| SpendImportEntry { at, actor, import })
                    .collect())
            }

            async fn record_spend_register(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                org_id: i64,
                register: &SpendRegister,
            ) -> Result<()> {
                record_spend_file(self, actor, now, org_id, "spend_register", &[(register.source.as_str(), register.sha256.as_str(), register)]).await
            }

            async fn spend_registers(&self, org_id: i64) -> Result<Vec<SpendRegisterEntry>> {
                Ok(spend_files(self, org_id, "spend_register")
                    .await?
                    .into_iter()
                    .map(|(at, actor, register)| SpendRegisterEntry { at, actor, register })
                    .collect())
            }

            async fn record_spend_overrides(
                &self,
                actor: &Actor,
                now: OffsetDateTime,
                org_id: i64,
                overrides: &SpendOverrides,
            ) -> Result<()> {
                record_spend_file(self, actor, now, org_id, "spend_overrides", &[(overrides.source.as_str(), overrides.sha256.as_str(), overrides)]).await
            }

            async fn spend_overrides(&self, org_id: i64) -> Result<Vec<SpendOverridesEntry>> {
                Ok(spend_files(self, org_id, "spend_overrides")
                    .await?
                    .into_iter()
                    .map(|(at, actor, overrides)| SpendOverridesEntry { at, actor, overrides })
                    .collect())
            }

            async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>> {
                audit_impl(self, q).await
            }

            async fn audit_count(&self, org_id: Option<i64>) -> Result<i64> {
                let row = match org_id {
                    Some(org_id) => {
                        sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE org_id = $1")
                            .bind(org_id)
                            .fetch_one(&self.pool)
                            .await?
                    }
                    None => sqlx::query("SELECT COUNT(*) AS n FROM audit_log").fetch_one(&self.pool).await?,
                };
                Ok(row.try_get("n")?)
            }

            async fn backup(&self, path: &Path) -> Result<()> {
                backup_impl(self, path).await
            }

            async fn seed_bench(&self, seed: BenchSeed, now: OffsetDateTime) -> Result<BenchSeeded> {
                let now = ts(now);
                let hash = crate::password::hash_blocking("bench-password".to_string()).await?;
                let mut tx = self.pool.begin_with($begin).await?;
                let start: i64 = sqlx::query("SELECT COUNT(*) AS n FROM organisations")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
                let mut org_ids = Vec::new();
                let mut org_slugs = Vec::new();
                for i in 0..seed.orgs {
                    let slug = format!("bench-{:03}", start + i + 1);
                    let row = sqlx::query(
                        "INSERT INTO organisations (slug, name, kind, procurement_threshold_pence, small_purchase_threshold_pence, created_at)
                         VALUES ($1, $2, $3, 10000000, 2500000, $4) RETURNING id",
                    )
                    .bind(&slug)
                    .bind(format!("Bench organisation {}", start + i + 1))
                    .bind(OrgKind::ALL[(i as usize) % OrgKind::ALL.len()].as_str())
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| conflict(e, || format!("organisation {slug} exists: seed an empty database")))?;
                    org_ids.push(row.try_get::<i64, _>("id")?);
                    org_slugs.push(slug);
                }
                if org_ids.is_empty() {
                    return Err(Error::Invalid { detail: "seed at least one organisation".to_string() });
                }
                let mut admin_emails = Vec::new();
                const BATCH: i64 = 1000;
                let mut n = 0;
                while n < seed.users {
                    let upto = (n + BATCH).min(seed.users);
                    let emails: Vec<String> =
                        (n..upto).map(|i| format!("bench-{}-{i:06}@example.invalid", start + 1)).collect();
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO users (email, name, password_hash, created_at, password_changed_at) ",
                    );
                    qb.push_values(&emails, |mut b, email| {
                        b.push_bind(email.clone()).push_bind(email.clone()).push_bind(hash.clone()).push_bind(now).push_bind(now);
                    });
                    qb.push(" RETURNING id");
                    let ids: Vec<i64> = qb
                        .build()
                        .fetch_all(&mut *tx)
                        .await?
                        .iter()
                        .map(|r| r.try_get::<i64, _>("id"))
                        .collect::<Result<_, _>>()?;
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO memberships (user_id, org_id, role, supplier_id, created_at) ",
                    );
                    let orgs = org_ids.len() as i64;
                    qb.push_values(ids.iter().zip(n..upto), |mut b, (id, i)| {
                        let org = org_ids[(i % orgs) as usize];
                        // The first user of each organisation is its admin.
                        let role = if i < orgs { Role::Admin } else if i % 2 == 0 { Role::Officer } else { Role::Viewer };
                        b.push_bind(*id).push_bind(org).push_bind(role.as_str()).push_bind(None::<i64>).push_bind(now);
                    });
                    qb.build().execute(&mut *tx).await?;
                    for (email, i) in emails.iter().zip(n..upto) {
                        if i < orgs {
                            admin_emails.push(email.clone());
                        }
                    }
                    n = upto;
                }
                let actor = Actor::system("seed-bench");
                let mut n = 0;
                while n < seed.audit_rows {
                    let upto = (n + BATCH).min(seed.audit_rows);
                    let mut qb = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO audit_log (at, actor_user_id, actor, org_id, action, entity_type, entity_id, before, after) ",
                    );
                    let orgs = org_ids.len() as i64;
                    qb.push_values(n..upto, |mut b, i| {
                        let org = org_ids[(i % orgs) as usize];
                        b.push_bind(now - time::Duration::seconds(seed.audit_rows - i))
                            .push_bind(None::<i64>)
                            .push_bind(actor.label.clone())
                            .push_bind(org)
                            .push_bind(AuditAction::Update.as_str())
                            .push_bind("bench")
                            .push_bind(i.to_string())
                            .push_bind(format!("{{\"n\":{i},\"state\":\"before\"}}"))
                            .push_bind(format!("{{\"n\":{i},\"state\":\"after\"}}"));
                    });
                    qb.build().execute(&mut *tx).await?;
                    n = upto;
                }
                tx.commit().await?;
                Ok(BenchSeeded { org_slugs, admin_emails })
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}
