//! `socval admin` commands on people: users, passwords, invitations,
//! roles and memberships.

use std::io::{self, BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use socval_store::{NewInvitation, NewMembership, NewUser, Store, password, secret};
use time::{Duration, OffsetDateTime};

use crate::output::{Format, Report};

use super::{actor, org, rfc3339, role, supplier_for, user};

#[derive(clap::Args, Debug)]
pub(super) struct CreateUser {
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
pub(super) struct PasswordSource {
    /// Read the password from the first line of standard input (for scripts).
    #[arg(long, conflicts_with = "generate_password")]
    password_stdin: bool,
    /// Generate a random password and print it once, even on a terminal.
    #[arg(long)]
    generate_password: bool,
}

#[derive(clap::Args, Debug)]
pub(super) struct ListUsers {
    /// Only this organisation's members (slug).
    #[arg(long)]
    org: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(clap::Args, Debug)]
pub(super) struct Invite {
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
pub(super) struct ResetPassword {
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
    #[command(flatten)]
    password: PasswordSource,
}

#[derive(clap::Args, Debug)]
pub(super) struct SetRole {
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
pub(super) struct RemoveMember {
    /// Organisation slug.
    #[arg(long)]
    org: String,
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
}

#[derive(clap::Args, Debug)]
pub(super) struct UserEmail {
    /// The user's e-mail address.
    #[arg(long)]
    email: String,
}

/// The new password for `email` (and whether it was generated, so it can
/// be printed once): from standard input with `--password-stdin`, generated
/// with `--generate-password`, typed twice at a hidden prompt when standard
/// input is a terminal, generated otherwise. Checked for length before
/// anything is saved.
pub(super) fn password_from(source: &PasswordSource, email: &str) -> Result<(String, bool)> {
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
pub(super) fn prompt_password(email: &str) -> Result<Option<String>> {
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

pub(super) async fn create_user(
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

pub(super) async fn list_users(
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

pub(super) async fn invite(
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

pub(super) async fn reset_password(
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

pub(super) async fn set_role(
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

pub(super) async fn remove_member(
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

pub(super) async fn disable_user(
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

pub(super) async fn enable_user(
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
