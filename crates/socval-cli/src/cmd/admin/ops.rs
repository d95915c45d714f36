//! `socval admin` commands for integrations and operators: API tokens, the
//! audit log, backups, benchmark data.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use socval_store::{AuditQuery, NewApiToken, Store, bench};
use time::{Duration, OffsetDateTime};

use socval_core::cell::safe_cells;

use super::{actor, org, rfc3339, role, supplier_for};

#[derive(clap::Args, Debug)]
pub(super) struct CreateToken {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// What the token is for.
    #[arg(long)]
    name: String,
    /// admin, officer, viewer or supplier.
    #[arg(long, default_value = "viewer")]
    role: String,
    /// Supplier company name, for --role supplier.
    #[arg(long)]
    supplier: Option<String>,
    /// Days until the token expires (default: never).
    #[arg(long)]
    days: Option<i64>,
}

#[derive(clap::Args, Debug)]
pub(super) struct RevokeToken {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// The token's id, or its prefix as listed (svt_1a2b3c4d).
    token: String,
}

#[derive(clap::Args, Debug)]
pub(super) struct AuditExport {
    /// Only this organisation's rows (slug).
    #[arg(long)]
    org: Option<String>,
    /// Write to this file instead of standard output (refuses to overwrite).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub(super) struct Backup {
    /// Where to write the copy; must not exist yet.
    path: PathBuf,
}

#[derive(clap::Args, Debug)]
pub(super) struct SeedBench {
    #[arg(long, default_value_t = 50)]
    orgs: i64,
    #[arg(long, default_value_t = 5_000)]
    users: i64,
    #[arg(long, default_value_t = 1_000_000)]
    audit_rows: i64,
}

pub(super) async fn create_token(
    store: &dyn Store,
    a: CreateToken,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    let r = role(&a.role)?;
    let supplier_id = supplier_for(store, &o, r, a.supplier.as_deref()).await?;
    let expires_at = match a.days {
        Some(d) if d < 1 => bail!("--days must be at least 1"),
        Some(d) => Some(now + Duration::days(d)),
        None => None,
    };
    let (token, secret) = store
        .create_api_token(
            &actor(),
            now,
            &NewApiToken {
                org_id: o.id,
                name: a.name,
                role: r,
                supplier_id,
                expires_at,
            },
        )
        .await?;
    writeln!(
        out,
        "created API token {} ({}, {r} in {}); the secret is shown once:",
        token.id, token.prefix, o.slug
    )?;
    writeln!(out, "{secret}")?;
    Ok(())
}

pub(super) async fn revoke_token(
    store: &dyn Store,
    a: RevokeToken,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    let tokens = store.api_tokens(o.id).await?;
    let matching: Vec<_> = tokens
        .iter()
        .filter(|t| {
            t.id.to_string() == a.token || (a.token.len() >= 8 && t.prefix.starts_with(&a.token))
        })
        .collect();
    let token = match matching.as_slice() {
        [t] => *t,
        [] => bail!("{} has no API token {:?}", o.slug, a.token),
        _ => bail!(
            "{:?} matches {} tokens; give the id",
            a.token,
            matching.len()
        ),
    };
    let revoked = store.revoke_api_token(&actor(), now, token.id).await?;
    writeln!(out, "revoked API token {} ({})", revoked.id, revoked.prefix)?;
    Ok(())
}

pub(super) async fn audit_export(
    store: &dyn Store,
    a: AuditExport,
    _now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let org_id = match &a.org {
        Some(slug) => Some(org(store, slug).await?.id),
        None => None,
    };
    match &a.output {
        Some(path) => {
            let file = std::fs::File::options()
                .write(true)
                .create_new(true)
                .open(path)
                .with_context(|| format!("cannot create {} (it must not exist)", path.display()))?;
            let n = export_audit(store, org_id, io::BufWriter::new(file)).await?;
            writeln!(out, "wrote {n} audit rows to {}", path.display())?;
        }
        None => {
            export_audit(store, org_id, &mut *out).await?;
        }
    }
    Ok(())
}

pub(super) async fn backup(
    store: &dyn Store,
    a: Backup,
    _now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    store.backup(&a.path).await?;
    writeln!(out, "backed up to {}", a.path.display())?;
    Ok(())
}

pub(super) async fn seed_bench(
    store: &dyn Store,
    a: SeedBench,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let seed = bench::BenchSeed {
        orgs: a.orgs,
        users: a.users,
        audit_rows: a.audit_rows,
    };
    let seeded = bench::seed(store, seed, now).await?;
    writeln!(
        out,
        "seeded {} organisations, {} users, {} audit rows; log in as {} with password bench-password",
        a.orgs,
        a.users,
        a.audit_rows,
        seeded
            .admin_emails
            .first()
            .map(String::as_str)
            .unwrap_or("-")
    )?;
    Ok(())
}

/// Writes the audit log as CSV, a page at a time (it may hold millions of
/// rows). Returns how many rows were written.
pub(super) async fn export_audit(
    store: &dyn Store,
    org_id: Option<i64>,
    out: impl Write,
) -> Result<u64> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(safe_cells([
        "id",
        "at",
        "actor",
        "actor_user_id",
        "org_id",
        "action",
        "entity_type",
        "entity_id",
        "before",
        "after",
    ]))?;
    let mut after_id = None;
    let mut n = 0;
    loop {
        let page = store
            .audit(&AuditQuery {
                org_id,
                after_id,
                before_id: None,
                limit: 5_000,
                newest_first: false,
            })
            .await?;
        let Some(last) = page.last() else { break };
        after_id = Some(last.id);
        for r in &page {
            w.write_record(safe_cells([
                r.id.to_string(),
                rfc3339(r.at),
                r.actor.clone(),
                r.actor_user_id.map(|id| id.to_string()).unwrap_or_default(),
                r.org_id.map(|id| id.to_string()).unwrap_or_default(),
                r.action.to_string(),
                r.entity_type.clone(),
                r.entity_id.clone(),
                r.before.clone().unwrap_or_default(),
                r.after.clone().unwrap_or_default(),
            ]))?;
            n += 1;
        }
    }
    w.flush()?;
    Ok(n)
}
