//! Organisations, users and their logins, memberships, supplier companies
//! and invitations: the account part of [`crate::Store`].

use time::OffsetDateTime;

use crate::audit::{Audit, write_audit};
use crate::db::{Bind as _, Columns, Conn, Db, SqlStore};
use crate::error::{Error, Result};
use crate::model::*;
use crate::sql::*;
use crate::store::Backend;

static GET_ORG: Sql = Sql::new(&["SELECT ", ORG_COLS, " FROM organisations WHERE id = $1"]);
static GET_USER: Sql = Sql::new(&["SELECT ", USER_COLS, " FROM users WHERE id = $1"]);
static GET_MEMBERSHIP: Sql = Sql::new(&[
    "SELECT ",
    MEMBERSHIP_COLS,
    " FROM memberships WHERE user_id = $1 AND org_id = $2",
]);
static INSERT_USER: Sql = Sql::new(&[
    "INSERT INTO users (email, name, password_hash, created_at, password_changed_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING ",
    USER_COLS,
]);
static INSERT_MEMBERSHIP: Sql = Sql::new(&[
    "INSERT INTO memberships (user_id, org_id, role, supplier_id, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING ",
    MEMBERSHIP_COLS,
]);
static CREATE_ORGANISATION: Sql = Sql::new(&["INSERT INTO organisations (slug, name, kind, procurement_threshold_pence, small_purchase_threshold_pence, created_at, policy_toml)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ", ORG_COLS]);
static UPDATE_ORGANISATION: Sql = Sql::new(&[
    "UPDATE organisations SET slug = $2, name = $3, kind = $4,
             procurement_threshold_pence = $5, small_purchase_threshold_pence = $6,
             policy_toml = $7
             WHERE id = $1 RETURNING ",
    ORG_COLS,
]);
static ORGANISATION_BY_SLUG: Sql = Sql::new(&[
    "SELECT ",
    ORG_COLS,
    " FROM organisations WHERE lower(slug) = $1",
]);
static ORGANISATIONS: Sql =
    Sql::new(&["SELECT ", ORG_COLS, " FROM organisations ORDER BY name, id"]);
pub(crate) static USER_BY_EMAIL: Sql =
    Sql::new(&["SELECT ", USER_COLS, " FROM users WHERE lower(email) = $1"]);
static USERS: Sql = Sql::new(&["SELECT ", USER_COLS, " FROM users ORDER BY email"]);
static USERS_2: Sql = Sql::new(&[
    "SELECT ",
    USER_COLS,
    " FROM users WHERE id IN (SELECT user_id FROM memberships WHERE org_id = $1) ORDER BY email",
]);
static RENAME_USER: Sql = Sql::new(&[
    "UPDATE users SET name = $2 WHERE id = $1 RETURNING ",
    USER_COLS,
]);
static SET_USER_DISABLED: Sql = Sql::new(&[
    "UPDATE users SET disabled = $2 WHERE id = $1 RETURNING ",
    USER_COLS,
]);
static SET_PASSWORD: Sql = Sql::new(&["UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = NULL
             WHERE id = $1 RETURNING ", USER_COLS]);
static CREDENTIALS: Sql = Sql::new(&[
    "SELECT ",
    USER_COLS,
    ", password_hash FROM users WHERE lower(email) = $1",
]);
static RECORD_LOGIN_FAILURE: Sql = Sql::new(&[
    "UPDATE users SET failed_logins = failed_logins + 1,
             locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
             WHERE id = $1 RETURNING ",
    USER_COLS,
]);
static RECORD_LOGIN_SUCCESS: Sql = Sql::new(&[
    "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1 RETURNING ",
    USER_COLS,
]);
static UPDATE_MEMBERSHIP: Sql = Sql::new(&[
    "UPDATE memberships SET role = $3, supplier_id = $4 WHERE user_id = $1 AND org_id = $2 RETURNING ",
    MEMBERSHIP_COLS,
]);
static CREATE_SUPPLIER: Sql = Sql::new(&[
    "INSERT INTO suppliers (org_id, name, company_number, postcode, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING ",
    SUPPLIER_COLS,
]);
static SUPPLIER: Sql = Sql::new(&["SELECT ", SUPPLIER_COLS, " FROM suppliers WHERE id = $1"]);
static SUPPLIERS: Sql = Sql::new(&[
    "SELECT ",
    SUPPLIER_COLS,
    " FROM suppliers WHERE org_id = $1 ORDER BY name, id",
]);
pub(crate) fn org_from_row(r: &impl Columns) -> Result<Organisation> {
    Ok(Organisation {
        id: r.col("id")?,
        slug: r.col("slug")?,
        name: r.col("name")?,
        kind: r.col::<String>("kind")?.parse()?,
        procurement_threshold_pence: r.col("procurement_threshold_pence")?,
        small_purchase_threshold_pence: r.col("small_purchase_threshold_pence")?,
        policy_toml: r.col("policy_toml")?,
        created_at: r.col("created_at")?,
    })
}

pub(crate) fn user_from_row(r: &impl Columns) -> Result<User> {
    Ok(User {
        id: r.col("id")?,
        email: r.col("email")?,
        name: r.col("name")?,
        disabled: r.col("disabled")?,
        failed_logins: r.col("failed_logins")?,
        locked_until: r.col("locked_until")?,
        created_at: r.col("created_at")?,
    })
}

pub(crate) fn membership_from_row(r: &impl Columns) -> Result<Membership> {
    Ok(Membership {
        user_id: r.col("user_id")?,
        org_id: r.col("org_id")?,
        role: r.col::<String>("role")?.parse()?,
        supplier_id: r.col("supplier_id")?,
        created_at: r.col("created_at")?,
    })
}

pub(crate) fn supplier_from_row(r: &impl Columns) -> Result<Supplier> {
    Ok(Supplier {
        id: r.col("id")?,
        org_id: r.col("org_id")?,
        name: r.col("name")?,
        company_number: r.col("company_number")?,
        postcode: r.col("postcode")?,
        created_at: r.col("created_at")?,
    })
}

pub(crate) async fn get_org(c: &mut impl Conn, id: i64) -> Result<Organisation> {
    let row = sqlx::query(GET_ORG.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "organisation",
        })?;
    org_from_row(&row)
}

pub(crate) async fn get_user(c: &mut impl Conn, id: i64) -> Result<User> {
    let row = sqlx::query(GET_USER.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    user_from_row(&row)
}

pub(crate) async fn get_membership(
    c: &mut impl Conn,
    user_id: i64,
    org_id: i64,
) -> Result<Membership> {
    let row = sqlx::query(GET_MEMBERSHIP.get())
        .arg(user_id)
        .arg(org_id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "membership",
        })?;
    membership_from_row(&row)
}

pub(crate) async fn insert_user(
    c: &mut impl Conn,
    now: OffsetDateTime,
    new: &NewUser,
) -> Result<User> {
    let email = normalise_email(&new.email);
    if !email.contains('@') {
        return Err(Error::Invalid {
            detail: format!("{email:?} is not an e-mail address"),
        });
    }
    if new.password_hash.is_empty() {
        return Err(Error::Invalid {
            detail: "a user needs a password".to_string(),
        });
    }
    let row = sqlx::query(INSERT_USER.get())
        .arg(&email)
        .arg(new.name.trim())
        .arg(&new.password_hash)
        .arg(ts(now))
        .fetch_one(c.executor())
        .await
        .map_err(|e| {
            conflict(e, || {
                format!("a user with e-mail address {email} already exists")
            })
        })?;
    user_from_row(&row)
}

/// Refuses a change that takes admin away from `user_id` in
/// `org_id` (a new role, removal, a disabled account) if they are
/// its only admin who can sign in. Call it inside the change's
/// transaction, before the change: on PostgreSQL it locks the
/// organisation's row until the transaction ends, so two such
/// changes in one organisation run one after the other and the
/// second sees the first (SQLite's write transactions already do).
pub(crate) async fn keep_an_admin<C: Conn>(c: &mut C, org_id: i64, user_id: i64) -> Result<()> {
    if C::Db::BACKEND == Backend::Postgres {
        sqlx::query("SELECT id FROM organisations WHERE id = $1 FOR UPDATE")
            .arg(org_id)
            .execute(c.executor())
            .await?;
    }
    let row = sqlx::query(
        "SELECT
            (SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.org_id = $1 AND m.user_id = $2 AND m.role = 'admin' AND NOT u.disabled) AS me,
            (SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id
              WHERE m.org_id = $1 AND m.user_id <> $2 AND m.role = 'admin' AND NOT u.disabled) AS others",
    )
    .arg(org_id)
    .arg(user_id)
    .fetch_one(c.executor())
    .await?;
    let me: i64 = row.col("me")?;
    let others: i64 = row.col("others")?;
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

/// The `org_id`s a statement about one user (`$1`) selects.
async fn org_ids(c: &mut impl Conn, sql: &'static str, user_id: i64) -> Result<Vec<i64>> {
    sqlx::query(sql)
        .arg(user_id)
        .fetch_all(c.executor())
        .await?
        .iter()
        .map(|r| Ok(r.col("org_id")?))
        .collect()
}

pub(crate) fn check_role(role: Role, supplier_id: Option<i64>) -> Result<()> {
    match (role, supplier_id) {
        (Role::Supplier, None) => Err(Error::Invalid {
            detail: "a supplier role needs a supplier company".to_string(),
        }),
        (Role::Supplier, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(Error::Invalid {
            detail: format!("only a supplier role has a supplier company, not {role}"),
        }),
    }
}

pub(crate) async fn insert_membership(
    c: &mut impl Conn,
    actor: &Actor,
    now: OffsetDateTime,
    m: &NewMembership,
) -> Result<Membership> {
    check_role(m.role, m.supplier_id)?;
    let row = sqlx::query(INSERT_MEMBERSHIP.get())
        .arg(m.user_id)
        .arg(m.org_id)
        .arg(m.role.as_str())
        .arg(m.supplier_id)
        .arg(ts(now))
        .fetch_one(c.executor())
        .await
        .map_err(|e| {
            conflict(e, || {
                "the user is already a member of this organisation".to_string()
            })
        })?;
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

pub(crate) async fn create_organisation<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    new: &NewOrganisation,
) -> Result<Organisation> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let row = sqlx::query(CREATE_ORGANISATION.get())
        .arg(new.slug.trim().to_lowercase())
        .arg(new.name.trim())
        .arg(new.kind.as_str())
        .arg(new.procurement_threshold_pence)
        .arg(new.small_purchase_threshold_pence)
        .arg(ts(now))
        .arg(new.policy_toml.as_deref())
        .fetch_one(tx.executor())
        .await
        .map_err(|e| {
            conflict(e, || {
                format!("an organisation with slug {:?} already exists", new.slug)
            })
        })?;
    let org = org_from_row(&row)?;
    write_audit(
        &mut tx,
        Audit::created(actor, now, Some(org.id), "organisation", org.id, &org),
    )
    .await?;
    tx.commit().await?;
    Ok(org)
}

pub(crate) async fn update_organisation<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    id: i64,
    new: &NewOrganisation,
) -> Result<Organisation> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_org(&mut tx, id).await?;
    let row = sqlx::query(UPDATE_ORGANISATION.get())
        .arg(id)
        .arg(new.slug.trim().to_lowercase())
        .arg(new.name.trim())
        .arg(new.kind.as_str())
        .arg(new.procurement_threshold_pence)
        .arg(new.small_purchase_threshold_pence)
        .arg(new.policy_toml.as_deref())
        .fetch_one(tx.executor())
        .await
        .map_err(|e| {
            conflict(e, || {
                format!("an organisation with slug {:?} already exists", new.slug)
            })
        })?;
    let after = org_from_row(&row)?;
    write_audit(
        &mut tx,
        Audit::updated(actor, now, Some(id), "organisation", id, &before, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn organisation<DB: Db>(store: &SqlStore<DB>, id: i64) -> Result<Organisation> {
    let mut c = store.pool.acquire().await?;
    get_org(&mut c, id).await
}

pub(crate) async fn organisation_by_slug<DB: Db>(
    store: &SqlStore<DB>,
    slug: &str,
) -> Result<Organisation> {
    let row = sqlx::query(ORGANISATION_BY_SLUG.get())
        .arg(slug.trim().to_lowercase())
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound {
            entity: "organisation",
        })?;
    org_from_row(&row)
}

pub(crate) async fn organisations<DB: Db>(store: &SqlStore<DB>) -> Result<Vec<Organisation>> {
    sqlx::query(ORGANISATIONS.get())
        .fetch_all(store.executor())
        .await?
        .iter()
        .map(org_from_row)
        .collect()
}

pub(crate) async fn create_user<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    new: &NewUser,
) -> Result<User> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let user = insert_user(&mut tx, now, new).await?;
    write_audit(
        &mut tx,
        Audit::created(actor, now, None, "user", user.id, &user),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) async fn user<DB: Db>(store: &SqlStore<DB>, id: i64) -> Result<User> {
    let mut c = store.pool.acquire().await?;
    get_user(&mut c, id).await
}

pub(crate) async fn user_by_email<DB: Db>(store: &SqlStore<DB>, email: &str) -> Result<User> {
    let row = sqlx::query(USER_BY_EMAIL.get())
        .arg(normalise_email(email))
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    user_from_row(&row)
}

pub(crate) async fn users<DB: Db>(store: &SqlStore<DB>, org_id: Option<i64>) -> Result<Vec<User>> {
    let rows = match org_id {
        None => sqlx::query(USERS.get()).fetch_all(store.executor()).await?,
        Some(org_id) => {
            sqlx::query(USERS_2.get())
                .arg(org_id)
                .fetch_all(store.executor())
                .await?
        }
    };
    rows.iter().map(user_from_row).collect()
}

pub(crate) async fn rename_user<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    id: i64,
    name: &str,
) -> Result<User> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_user(&mut tx, id).await?;
    let row = sqlx::query(RENAME_USER.get())
        .arg(id)
        .arg(name.trim())
        .fetch_one(tx.executor())
        .await?;
    let after = user_from_row(&row)?;
    write_audit(
        &mut tx,
        Audit::updated(actor, now, None, "user", id, &before, &after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn set_user_disabled<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    id: i64,
    disabled: bool,
) -> Result<User> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_user(&mut tx, id).await?;
    if disabled && !before.disabled {
        // Every organisation they administer keeps an admin; in
        // id order, so concurrent changes lock rows in one order.
        let orgs = org_ids(
            &mut tx,
            "SELECT org_id FROM memberships WHERE user_id = $1 AND role = 'admin' ORDER BY org_id",
            id,
        )
        .await?;
        for org_id in orgs {
            keep_an_admin(&mut tx, org_id, id).await?;
        }
    }
    let row = sqlx::query(SET_USER_DISABLED.get())
        .arg(id)
        .arg(disabled)
        .fetch_one(tx.executor())
        .await?;
    let after = user_from_row(&row)?;
    if disabled {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .arg(id)
            .execute(tx.executor())
            .await?;
    }
    // An account that can or cannot sign in matters to every
    // organisation it belongs to: one row in each one's log (so
    // its admins see it), or one with no organisation.
    let orgs = org_ids(
        &mut tx,
        "SELECT org_id FROM memberships WHERE user_id = $1 ORDER BY org_id",
        id,
    )
    .await?;
    let orgs: Vec<Option<i64>> = if orgs.is_empty() {
        vec![None]
    } else {
        orgs.into_iter().map(Some).collect()
    };
    for org_id in orgs {
        write_audit(
            &mut tx,
            Audit::updated(actor, now, org_id, "user", id, &before, &after),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn set_password<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    user_id: i64,
    password_hash: &str,
) -> Result<User> {
    if password_hash.is_empty() {
        return Err(Error::Invalid {
            detail: "a user needs a password".to_string(),
        });
    }
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_user(&mut tx, user_id).await?;
    let row = sqlx::query(SET_PASSWORD.get())
        .arg(user_id)
        .arg(password_hash)
        .arg(ts(now))
        .fetch_one(tx.executor())
        .await?;
    let after = user_from_row(&row)?;
    // The hash is never in the audit log; the row records that
    // the password changed.
    let mut after_json = serde_json::to_value(&after).unwrap_or_default();
    after_json["password_changed_at"] = serde_json::Value::String(
        ts(now)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    );
    write_audit(
        &mut tx,
        Audit::updated(actor, now, None, "user", user_id, &before, &after_json),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub(crate) async fn credentials<DB: Db>(store: &SqlStore<DB>, email: &str) -> Result<Credentials> {
    let row = sqlx::query(CREDENTIALS.get())
        .arg(normalise_email(email))
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    Ok(Credentials {
        user: user_from_row(&row)?,
        password_hash: row.col("password_hash")?,
    })
}

pub(crate) async fn record_login_failure<DB: Db>(
    store: &SqlStore<DB>,
    user_id: i64,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> Result<User> {
    // One statement, so concurrent failures all count.
    let row = sqlx::query(RECORD_LOGIN_FAILURE.get())
        .arg(user_id)
        .arg(policy.max_failures)
        .arg(ts(now + policy.lock_for))
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    user_from_row(&row)
}

pub(crate) async fn record_login_success<DB: Db>(
    store: &SqlStore<DB>,
    user_id: i64,
    _now: OffsetDateTime,
) -> Result<User> {
    let row = sqlx::query(RECORD_LOGIN_SUCCESS.get())
        .arg(user_id)
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound { entity: "user" })?;
    user_from_row(&row)
}

pub(crate) async fn add_membership<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    membership: &NewMembership,
) -> Result<Membership> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let created = insert_membership(&mut tx, actor, now, membership).await?;
    tx.commit().await?;
    Ok(created)
}

pub(crate) async fn update_membership<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    m: &NewMembership,
) -> Result<Membership> {
    check_role(m.role, m.supplier_id)?;
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_membership(&mut tx, m.user_id, m.org_id).await?;
    if before.role == Role::Admin && m.role != Role::Admin {
        keep_an_admin(&mut tx, m.org_id, m.user_id).await?;
    }
    let row = sqlx::query(UPDATE_MEMBERSHIP.get())
        .arg(m.user_id)
        .arg(m.org_id)
        .arg(m.role.as_str())
        .arg(m.supplier_id)
        .fetch_one(tx.executor())
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

pub(crate) async fn remove_membership<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    user_id: i64,
    org_id: i64,
) -> Result<()> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let before = get_membership(&mut tx, user_id, org_id).await?;
    if before.role == Role::Admin {
        keep_an_admin(&mut tx, org_id, user_id).await?;
    }
    sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND org_id = $2")
        .arg(user_id)
        .arg(org_id)
        .execute(tx.executor())
        .await?;
    write_audit(
        &mut tx,
        Audit::deleted(
            actor,
            now,
            Some(org_id),
            "membership",
            format!("{user_id}:{org_id}"),
            &before,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn membership<DB: Db>(
    store: &SqlStore<DB>,
    user_id: i64,
    org_id: i64,
) -> Result<Membership> {
    let mut c = store.pool.acquire().await?;
    get_membership(&mut c, user_id, org_id).await
}

pub(crate) async fn memberships<DB: Db>(
    store: &SqlStore<DB>,
    user_id: i64,
) -> Result<Vec<OrgMembership>> {
    let rows = sqlx::query(
        "SELECT m.user_id, m.org_id, m.role, m.supplier_id, m.created_at AS m_created_at,
                    o.id, o.slug, o.name, o.kind, o.procurement_threshold_pence,
                    o.small_purchase_threshold_pence, o.policy_toml, o.created_at
             FROM memberships m JOIN organisations o ON o.id = m.org_id
             WHERE m.user_id = $1 ORDER BY o.name, o.id",
    )
    .arg(user_id)
    .fetch_all(store.executor())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(OrgMembership {
                organisation: org_from_row(r)?,
                membership: joined_membership(r)?,
            })
        })
        .collect()
}

/// The membership of a row that joins `memberships` (its `created_at` as
/// `m_created_at`) with a user or an organisation.
fn joined_membership(r: &impl Columns) -> Result<Membership> {
    Ok(Membership {
        user_id: r.col("user_id")?,
        org_id: r.col("org_id")?,
        role: r.col::<String>("role")?.parse()?,
        supplier_id: r.col("supplier_id")?,
        created_at: r.col("m_created_at")?,
    })
}

pub(crate) async fn members<DB: Db>(store: &SqlStore<DB>, org_id: i64) -> Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT m.user_id, m.org_id, m.role, m.supplier_id, m.created_at AS m_created_at,
                    u.id, u.email, u.name, u.disabled, u.failed_logins, u.locked_until, u.created_at
             FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = $1 ORDER BY u.email",
    )
    .arg(org_id)
    .fetch_all(store.executor())
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                user: user_from_row(r)?,
                membership: joined_membership(r)?,
            })
        })
        .collect()
}

pub(crate) async fn create_supplier<DB: Db>(
    store: &SqlStore<DB>,
    actor: &Actor,
    now: OffsetDateTime,
    new: &NewSupplier,
) -> Result<Supplier> {
    let mut tx = store.pool.begin_with(DB::BEGIN).await?;
    let row = sqlx::query(CREATE_SUPPLIER.get())
        .arg(new.org_id)
        .arg(new.name.trim())
        .arg(new.company_number.as_deref())
        .arg(new.postcode.as_deref())
        .arg(ts(now))
        .fetch_one(tx.executor())
        .await
        .map_err(|e| {
            conflict(e, || {
                format!("a supplier named {:?} already exists", new.name)
            })
        })?;
    let supplier = supplier_from_row(&row)?;
    write_audit(
        &mut tx,
        Audit::created(
            actor,
            now,
            Some(supplier.org_id),
            "supplier",
            supplier.id,
            &supplier,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(supplier)
}

pub(crate) async fn supplier<DB: Db>(store: &SqlStore<DB>, id: i64) -> Result<Supplier> {
    let row = sqlx::query(SUPPLIER.get())
        .arg(id)
        .fetch_optional(store.executor())
        .await?
        .ok_or(Error::NotFound { entity: "supplier" })?;
    supplier_from_row(&row)
}

pub(crate) async fn suppliers<DB: Db>(store: &SqlStore<DB>, org_id: i64) -> Result<Vec<Supplier>> {
    sqlx::query(SUPPLIERS.get())
        .arg(org_id)
        .fetch_all(store.executor())
        .await?
        .iter()
        .map(supplier_from_row)
        .collect()
}
