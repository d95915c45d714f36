//! `socval admin`: organisations, users, invitations, tokens, the audit log
//! and backups, at the command line (for the first administrator, scripts
//! and operators).

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use socval_store::{Actor, Organisation, Role, SqliteStore, Store};
use time::OffsetDateTime;

use crate::Global;
use crate::exit;

mod ops;
mod org;
mod user;

use ops::*;
use org::*;
use user::*;

/// Administer the portal's database: organisations, users, tokens, audit log, backups.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval admin create-org --slug rotherham --name \"Rotherham MBC\" --kind council
  socval admin create-user --email ana@rotherham.gov.uk --name \"Ana Officer\" --org rotherham --role admin
      (on a terminal it asks for the password twice, without showing it;
       --generate-password prints a random one instead)
  echo 'a long passphrase' | socval admin create-user --email bo@rotherham.gov.uk --name Bo --password-stdin
  socval admin invite --org rotherham --email supplier@acme.co.uk --role supplier --supplier \"Acme Ltd\"
  socval admin list-users --org rotherham --format csv
  socval admin set-role --org rotherham --email ana@rotherham.gov.uk --role viewer
  socval admin remove-member --org rotherham --email ana@rotherham.gov.uk
  socval admin disable-user --email ana@rotherham.gov.uk
  socval admin create-token --org rotherham --name \"finance export\" --role viewer
  socval admin audit-export --org rotherham > audit.csv
  socval admin backup socval-data/backup-2025-04-01.db

The database is --database-url (sqlite://... or postgres://...), default
<data-dir>/socval.db. Guide: docs/store.md")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create an organisation (a council or partner anchor institution).
    CreateOrg(CreateOrg),
    /// List organisations.
    ListOrgs(ListOrgs),
    /// Give an organisation its own Social Value Policy file (thresholds, weights, quotes rule, RAG, assurance).
    #[command(after_help = "Examples:
  cp data/policy/rotherham.toml borsetshire.toml   # then edit it
  socval admin set-policy --org borsetshire borsetshire.toml
  socval admin set-policy --org borsetshire --builtin   # back to the built-in policy

The file is checked whole before anything changes (weights add up to 100, amber ≤ green,
limited ≤ reasonable ≤ substantial); an error names the line. Keys left out keep the
built-in values. The portal's pages, its API and `socval report annual --org` then apply
it: RAG status, the quotes rule and its wording, thresholds, default weights.")]
    SetPolicy(SetPolicy),
    /// Print the policy an organisation works to, as a policy file.
    ShowPolicy(ShowPolicy),
    /// Record a supplier company for an organisation (needed for supplier users).
    CreateSupplier(CreateSupplier),
    /// Create a user, optionally with a role in an organisation.
    CreateUser(CreateUser),
    /// List users, all or one organisation's.
    ListUsers(ListUsers),
    /// Invite someone to an organisation: prints a one-time link.
    Invite(Invite),
    /// Set a new password for a user, unlock them and end their sessions.
    ResetPassword(ResetPassword),
    /// Give a user a role in an organisation, or change the role they have.
    SetRole(SetRole),
    /// Take a user out of an organisation (they lose access to it at once).
    RemoveMember(RemoveMember),
    /// Stop a user signing in anywhere and end all their sessions.
    DisableUser(UserEmail),
    /// Let a disabled user sign in again.
    EnableUser(UserEmail),
    /// Create an API token for an integration: prints the secret once.
    CreateToken(CreateToken),
    /// Revoke an API token by id or prefix.
    RevokeToken(RevokeToken),
    /// Write the audit log as CSV (oldest first).
    AuditExport(AuditExport),
    /// Copy the SQLite database consistently while the portal runs.
    Backup(Backup),
    /// Fill an empty database with synthetic data for benchmarks.
    #[command(hide = true)]
    SeedBench(SeedBench),
}

/// Runs a `socval admin` subcommand.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let store = open_store(global).await?;
        let result = run_with(&*store, args.command, out).await;
        store.close().await;
        result
    })
}

/// Opens the store `--database-url` names, or the SQLite file in the data
/// directory (creating the directory if missing), applying migrations.
pub async fn open_store(global: &Global) -> Result<Arc<dyn Store>> {
    match &global.database_url {
        Some(url) => socval_store::open(url)
            .await
            .context("cannot open the database"),
        None => {
            std::fs::create_dir_all(&global.data_dir).with_context(|| {
                format!(
                    "cannot create the data directory {}",
                    global.data_dir.display()
                )
            })?;
            let path = global.data_dir.join("socval.db");
            let store = SqliteStore::open_path(&path)
                .await
                .with_context(|| format!("cannot open the database {}", path.display()))?;
            Ok(Arc::new(store))
        }
    }
}

/// Who the command line is in the audit log (also for `socval spend import --org`).
pub(crate) fn actor() -> Actor {
    Actor::system("socval admin")
}

async fn org(store: &dyn Store, slug: &str) -> Result<Organisation> {
    store
        .organisation_by_slug(slug)
        .await
        .with_context(|| format!("no organisation with slug {slug:?}"))
}

async fn user(store: &dyn Store, email: &str) -> Result<socval_store::User> {
    store
        .user_by_email(email)
        .await
        .with_context(|| format!("no user with e-mail {email}"))
}

fn role(text: &str) -> Result<Role> {
    Ok(text.parse::<Role>()?)
}

/// The supplier company id for a role: required for `supplier`, refused
/// for the others.
async fn supplier_for(
    store: &dyn Store,
    org: &Organisation,
    role: Role,
    supplier: Option<&str>,
) -> Result<Option<i64>> {
    match (role, supplier) {
        (Role::Supplier, None) => bail!(
            "--role supplier needs --supplier NAME (create it with `socval admin create-supplier`)"
        ),
        (Role::Supplier, Some(name)) => {
            let found = store
                .suppliers(org.id)
                .await?
                .into_iter()
                .find(|s| s.name.eq_ignore_ascii_case(name.trim()));
            match found {
                Some(s) => Ok(Some(s.id)),
                None => bail!("{} has no supplier company named {name:?}", org.slug),
            }
        }
        (_, Some(_)) => bail!("--supplier is only for --role supplier"),
        (_, None) => Ok(None),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn run_with(store: &dyn Store, command: Command, out: &mut dyn Write) -> Result<u8> {
    let now = OffsetDateTime::now_utc();
    match command {
        Command::CreateOrg(a) => create_org(store, a, now, out).await?,
        Command::ListOrgs(a) => list_orgs(store, a, now, out).await?,
        Command::SetPolicy(a) => set_policy(store, a, now, out).await?,
        Command::ShowPolicy(a) => show_policy(store, a, now, out).await?,
        Command::CreateSupplier(a) => create_supplier(store, a, now, out).await?,
        Command::CreateUser(a) => create_user(store, a, now, out).await?,
        Command::ListUsers(a) => list_users(store, a, now, out).await?,
        Command::Invite(a) => invite(store, a, now, out).await?,
        Command::ResetPassword(a) => reset_password(store, a, now, out).await?,
        Command::SetRole(a) => set_role(store, a, now, out).await?,
        Command::RemoveMember(a) => remove_member(store, a, now, out).await?,
        Command::DisableUser(a) => disable_user(store, a, now, out).await?,
        Command::EnableUser(a) => enable_user(store, a, now, out).await?,
        Command::CreateToken(a) => create_token(store, a, now, out).await?,
        Command::RevokeToken(a) => revoke_token(store, a, now, out).await?,
        Command::AuditExport(a) => audit_export(store, a, now, out).await?,
        Command::Backup(a) => backup(store, a, now, out).await?,
        Command::SeedBench(a) => seed_bench(store, a, now, out).await?,
    }
    Ok(exit::OK)
}
