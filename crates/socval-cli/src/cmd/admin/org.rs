//! `socval admin` commands on organisations: create, list, their policy,
//! their supplier companies.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use socval_store::{NewOrganisation, NewSupplier, OrgKind, Store};
use time::OffsetDateTime;

use crate::output::{Format, Report};

use super::{actor, org};

#[derive(clap::Args, Debug)]
pub(super) struct CreateOrg {
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
pub(super) struct SetPolicy {
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
pub(super) struct ShowPolicy {
    /// Organisation slug.
    #[arg(long)]
    org: String,
}

#[derive(clap::Args, Debug)]
pub(super) struct ListOrgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(clap::Args, Debug)]
pub(super) struct CreateSupplier {
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

pub(super) async fn create_org(
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

pub(super) async fn list_orgs(
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

pub(super) async fn set_policy(
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

pub(super) async fn show_policy(
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

pub(super) async fn create_supplier(
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
