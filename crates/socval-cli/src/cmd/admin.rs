//! `socval admin`: organisations, users, invitations, tokens, the audit log
//! and backups, at the command line (for the first administrator, scripts
//! and operators).

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use socval_store::{
    Actor, AuditQuery, NewApiToken, NewInvitation, NewMembership, NewOrganisation, NewSupplier,
    NewUser, OrgKind, Organisation, Role, SqliteStore, Store, bench, password, secret,
};
use time::{Duration, OffsetDateTime};

use socval_core::cell::safe_cells;

use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

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

#[derive(clap::Args, Debug)]
struct CreateOrg {
    /// Short unique name used in URLs, e.g. rotherham.
    #[arg(long)]
    slug: String,
    /// Full name.
    #[arg(long)]
    name: String,
    /// council, nhs_trust, college, housing_association or other.
    #[arg(long, default_value = "council")]
    kind: String,
}

#[derive(clap::Args, Debug)]
struct SetPolicy {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// The policy file (TOML, as data/policy/rotherham.toml).
    #[arg(required_unless_present = "builtin", conflicts_with = "builtin")]
    file: Option<PathBuf>,
    /// Go back to the built-in policy (Rotherham's, with £100,000 and £25,000).
    #[arg(long)]
    builtin: bool,
}

#[derive(clap::Args, Debug)]
struct ShowPolicy {
    /// Organisation slug.
    #[arg(long)]
    org: String,
}

#[derive(clap::Args, Debug)]
struct ListOrgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct CreateSupplier {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// Company name.
    #[arg(long)]
    name: String,
    /// Companies House number.
    #[arg(long)]
    company_number: Option<String>,
    /// Postcode of the premises delivering the work.
    #[arg(long)]
    postcode: Option<String>,
}

#[derive(clap::Args, Debug)]
struct CreateUser {
    /// E-mail address (used to log in).
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// Organisation slug to add the user to.
    #[arg(long, requires = "role")]
    org: Option<String>,
    /// Role in --org: admin, officer, viewer or supplier.
    #[arg(long, requires = "org")]
    role: Option<String>,
    /// Supplier company name, for --role supplier.
    #[arg(long)]
    supplier: Option<String>,
    #[command(flatten)]
    password: PasswordSource,
}

/// Where a new password comes from. Without either flag: a hidden prompt
/// (typed twice) when standard input is a terminal, otherwise a generated
/// password printed once.
#[derive(clap::Args, Debug)]
struct PasswordSource {
    /// Read the password from the first line of standard input (for scripts).
    #[arg(long, conflicts_with = "generate_password")]
    password_stdin: bool,
    /// Generate a random password and print it once, even on a terminal.
    #[arg(long)]
    generate_password: bool,
}

#[derive(clap::Args, Debug)]
struct ListUsers {
    /// Only this organisation's members (slug).
    #[arg(long)]
    org: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(clap::Args, Debug)]
struct Invite {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// Who to invite.
    #[arg(long)]
    email: String,
    /// admin, officer, viewer or supplier.
    #[arg(long)]
    role: String,
    /// Supplier company name, for --role supplier.
    #[arg(long)]
    supplier: Option<String>,
    /// Days until the link stops working.
    #[arg(long, default_value_t = 7)]
    days: i64,
    /// The portal's address, for the link.
    #[arg(long, env = "SOCVAL_BASE_URL", default_value = "http://localhost:8080")]
    base_url: String,
}

#[derive(clap::Args, Debug)]
struct ResetPassword {
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
    #[command(flatten)]
    password: PasswordSource,
}

#[derive(clap::Args, Debug)]
struct SetRole {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
    /// admin, officer, viewer or supplier.
    #[arg(long)]
    role: String,
    /// Supplier company name, for --role supplier.
    #[arg(long)]
    supplier: Option<String>,
}

#[derive(clap::Args, Debug)]
struct RemoveMember {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
}

#[derive(clap::Args, Debug)]
struct UserEmail {
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
}

#[derive(clap::Args, Debug)]
struct CreateToken {
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
struct RevokeToken {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// The token's id, or its prefix as listed (svt_1a2b3c4d).
    token: String,
}

#[derive(clap::Args, Debug)]
struct AuditExport {
    /// Only this organisation's rows (slug).
    #[arg(long)]
    org: Option<String>,
    /// Write to this file instead of standard output (refuses to overwrite).
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct Backup {
    /// Where to write the copy; must not exist yet.
    path: PathBuf,
}

#[derive(clap::Args, Debug)]
struct SeedBench {
    #[arg(long, default_value_t = 50)]
    orgs: i64,
    #[arg(long, default_value_t = 5_000)]
    users: i64,
    #[arg(long, default_value_t = 1_000_000)]
    audit_rows: i64,
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

/// The new password for `email` (and whether it was generated, so it can
/// be printed once): from standard input with `--password-stdin`, generated
/// with `--generate-password`, typed twice at a hidden prompt when standard
/// input is a terminal, generated otherwise. Checked for length before
/// anything is saved.
fn password_from(source: &PasswordSource, email: &str) -> Result<(String, bool)> {
    let generate = || -> Result<(String, bool)> {
        // 96 random bits, written as 24 hex digits.
        Ok((secret::generate()?[..24].to_string(), true))
    };
    let (password, generated) = if source.password_stdin {
        let mut line = String::new();
        io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        (line.trim_end_matches(['\r', '\n']).to_string(), false)
    } else if source.generate_password || !io::stdin().is_terminal() {
        generate()?
    } else {
        match prompt_password(email)? {
            Some(password) => (password, false),
            None => generate()?,
        }
    };
    if password.chars().count() < password::MIN_LENGTH {
        bail!(
            "the password is too short: it needs at least {} characters",
            password::MIN_LENGTH
        );
    }
    Ok((password, generated))
}

/// Asks on the terminal (input not echoed) for a new password and its
/// confirmation, up to three times. `None` if the first answer is empty
/// (generate one instead).
fn prompt_password(email: &str) -> Result<Option<String>> {
    for _ in 0..3 {
        let first = rpassword::prompt_password(format!(
            "New password for {email} (at least {} characters; empty to generate one): ",
            password::MIN_LENGTH
        ))
        .context("cannot read the password from the terminal")?;
        if first.is_empty() {
            return Ok(None);
        }
        if first.chars().count() < password::MIN_LENGTH {
            eprintln!(
                "That password is too short: it needs at least {} characters.",
                password::MIN_LENGTH
            );
            continue;
        }
        let again = rpassword::prompt_password("Type it again: ")
            .context("cannot read the password from the terminal")?;
        if again == first {
            return Ok(Some(first));
        }
        eprintln!("The passwords do not match.");
    }
    bail!("no password set: the passwords typed did not match or were too short")
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

async fn create_org(
    store: &dyn Store,
    a: CreateOrg,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let kind: OrgKind = a.kind.parse()?;
    let o = store
        .create_organisation(&actor(), now, &NewOrganisation::new(&a.slug, &a.name, kind))
        .await?;
    writeln!(
        out,
        "created organisation {} ({}, id {})",
        o.slug, o.kind, o.id
    )?;
    Ok(())
}

async fn list_orgs(
    store: &dyn Store,
    a: ListOrgs,
    _now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let orgs = store.organisations().await?;
    let rows = orgs
        .iter()
        .map(|o| {
            vec![
                o.id.to_string(),
                o.slug.clone(),
                o.name.clone(),
                o.kind.to_string(),
            ]
        })
        .collect();
    Report {
        json: &orgs,
        headers: vec!["id", "slug", "name", "kind"],
        rows,
        numeric: vec![0],
        footer: vec![],
    }
    .write(a.format, out)?;
    Ok(())
}

async fn set_policy(
    store: &dyn Store,
    a: SetPolicy,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    let text = match &a.file {
        Some(path) => Some((
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read policy file {}", path.display()))?,
            path.display().to_string(),
        )),
        None => None,
    };
    let given = text.as_ref().map(|(t, f)| (t.as_str(), f.as_str()));
    let (o, policy) = socval_app::engine::set_policy(store, &actor(), now, &o, given).await?;
    match &a.file {
        Some(path) => writeln!(
            out,
            "{} now works to {} ({}): social value over {}, quotes {}; RAG {}",
            o.slug,
            policy.name,
            path.display(),
            policy.social_value_threshold_gbp.display_whole_pounds(),
            policy.quotes.describe(policy.quotes_threshold_gbp),
            policy.rag.describe()
        )?,
        None => writeln!(
            out,
            "{} now works to the built-in policy ({})",
            o.slug, policy.name
        )?,
    }
    Ok(())
}

async fn show_policy(
    store: &dyn Store,
    a: ShowPolicy,
    _now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    match &o.policy_toml {
        Some(text) => write!(out, "{text}")?,
        None => write!(
            out,
            "# {} works to the built-in policy.\n{}",
            o.slug,
            socval_app::engine::policy_of(&o)?.to_toml()
        )?,
    }
    Ok(())
}

async fn create_supplier(
    store: &dyn Store,
    a: CreateSupplier,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    let s = store
        .create_supplier(
            &actor(),
            now,
            &NewSupplier {
                org_id: o.id,
                name: a.name,
                company_number: a.company_number,
                postcode: a.postcode,
            },
        )
        .await?;
    writeln!(
        out,
        "created supplier {:?} for {} (id {})",
        s.name, o.slug, s.id
    )?;
    Ok(())
}

async fn create_user(
    store: &dyn Store,
    a: CreateUser,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    // Check the organisation and role before creating anything.
    let membership = match (&a.org, &a.role) {
        (Some(slug), Some(r)) => {
            let o = org(store, slug).await?;
            let r = role(r)?;
            let supplier_id = supplier_for(store, &o, r, a.supplier.as_deref()).await?;
            Some((o, r, supplier_id))
        }
        _ => None,
    };
    let (pw, generated) = password_from(&a.password, &a.email)?;
    let hash = password::hash_blocking(pw.clone()).await?;
    let user = store
        .create_user(
            &actor(),
            now,
            &NewUser {
                email: a.email,
                name: a.name,
                password_hash: hash,
            },
        )
        .await?;
    writeln!(out, "created user {} (id {})", user.email, user.id)?;
    if let Some((o, r, supplier_id)) = membership {
        store
            .add_membership(
                &actor(),
                now,
                &NewMembership {
                    user_id: user.id,
                    org_id: o.id,
                    role: r,
                    supplier_id,
                },
            )
            .await?;
        writeln!(out, "added {} to {} as {r}", user.email, o.slug)?;
    }
    if generated {
        writeln!(out, "password (shown once): {pw}")?;
    }
    Ok(())
}

async fn list_users(
    store: &dyn Store,
    a: ListUsers,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let (users, members) = match &a.org {
        Some(slug) => {
            let o = org(store, slug).await?;
            let members = store.members(o.id).await?;
            (
                members.iter().map(|m| m.user.clone()).collect(),
                Some(members),
            )
        }
        None => (store.users(None).await?, None),
    };
    let rows = users
        .iter()
        .enumerate()
        .map(|(i, u)| {
            let role = members
                .as_ref()
                .map(|m| m[i].membership.role.to_string())
                .unwrap_or_default();
            let state = if u.disabled {
                "disabled"
            } else if u.is_locked(now) {
                "locked"
            } else {
                "active"
            };
            vec![
                u.id.to_string(),
                u.email.clone(),
                u.name.clone(),
                role,
                state.to_string(),
            ]
        })
        .collect();
    Report {
        json: &users,
        headers: vec!["id", "email", "name", "role", "state"],
        rows,
        numeric: vec![0],
        footer: vec![],
    }
    .write(a.format, out)?;
    Ok(())
}

async fn invite(
    store: &dyn Store,
    a: Invite,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    let r = role(&a.role)?;
    let supplier_id = supplier_for(store, &o, r, a.supplier.as_deref()).await?;
    if a.days < 1 {
        bail!("--days must be at least 1");
    }
    let (inv, token) = store
        .create_invitation(
            &actor(),
            now,
            &NewInvitation {
                org_id: o.id,
                email: a.email,
                role: r,
                supplier_id,
                expires_at: now + Duration::days(a.days),
            },
        )
        .await?;
    writeln!(
        out,
        "invited {} to {} as {r}; the link works once, until {}:",
        inv.email,
        o.slug,
        rfc3339(inv.expires_at)
    )?;
    writeln!(
        out,
        "{}/invitations/{token}",
        a.base_url.trim_end_matches('/')
    )?;
    Ok(())
}

async fn reset_password(
    store: &dyn Store,
    a: ResetPassword,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let user = store
        .user_by_email(&a.email)
        .await
        .with_context(|| format!("no user with e-mail {}", a.email))?;
    let (pw, generated) = password_from(&a.password, &user.email)?;
    let hash = password::hash_blocking(pw.clone()).await?;
    store.set_password(&actor(), now, user.id, &hash).await?;
    let ended = store.delete_user_sessions(user.id, None).await?;
    writeln!(
        out,
        "reset the password of {}; ended {ended} session(s)",
        user.email
    )?;
    if generated {
        writeln!(out, "password (shown once): {pw}")?;
    }
    Ok(())
}

async fn set_role(
    store: &dyn Store,
    a: SetRole,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    let user = user(store, &a.email).await?;
    let r = role(&a.role)?;
    let supplier_id = supplier_for(store, &o, r, a.supplier.as_deref()).await?;
    let m = NewMembership {
        user_id: user.id,
        org_id: o.id,
        role: r,
        supplier_id,
    };
    match store.membership(user.id, o.id).await {
        Ok(old) => {
            store.update_membership(&actor(), now, &m).await?;
            writeln!(
                out,
                "{} is now {r} in {} (was {})",
                user.email, o.slug, old.role
            )?;
        }
        Err(socval_store::Error::NotFound { .. }) => {
            store.add_membership(&actor(), now, &m).await?;
            writeln!(out, "added {} to {} as {r}", user.email, o.slug)?;
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

async fn remove_member(
    store: &dyn Store,
    a: RemoveMember,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let o = org(store, &a.org).await?;
    let user = user(store, &a.email).await?;
    // The store refuses to remove the organisation's last admin
    // who can sign in (Error::LastAdmin says so), as in the portal.
    match store.remove_membership(&actor(), now, user.id, o.id).await {
        Err(socval_store::Error::NotFound { .. }) => {
            bail!("{} is not a member of {}", user.email, o.slug)
        }
        r => r?,
    }
    writeln!(out, "removed {} from {}", user.email, o.slug)?;
    Ok(())
}

async fn disable_user(
    store: &dyn Store,
    a: UserEmail,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let user = user(store, &a.email).await?;
    store
        .set_user_disabled(&actor(), now, user.id, true)
        .await?;
    writeln!(
        out,
        "disabled {}: they cannot sign in and their sessions have ended",
        user.email
    )?;
    Ok(())
}

async fn enable_user(
    store: &dyn Store,
    a: UserEmail,
    now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    let user = user(store, &a.email).await?;
    store
        .set_user_disabled(&actor(), now, user.id, false)
        .await?;
    writeln!(out, "enabled {}", user.email)?;
    Ok(())
}

async fn create_token(
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

async fn revoke_token(
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

async fn audit_export(
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

async fn backup(
    store: &dyn Store,
    a: Backup,
    _now: OffsetDateTime,
    out: &mut dyn Write,
) -> Result<()> {
    store.backup(&a.path).await?;
    writeln!(out, "backed up to {}", a.path.display())?;
    Ok(())
}

async fn seed_bench(
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
async fn export_audit(store: &dyn Store, org_id: Option<i64>, out: impl Write) -> Result<u64> {
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
