//! Seeds a fresh database with the fictional borough of `data/demo/`:
//! organisations, supplier companies, users, the two shipped frameworks,
//! small purchases, a procurement in every state (bids, scores, the
//! award), contracts on, behind and ahead of profile, delivery returns
//! (some verified, some rejected, some awaiting verification), and the
//! council's spend: a fictional postcode directory (`data/demo/geo/`) and a
//! synthetic ledger with its supplier register.
//!
//! Everything goes through the store's API, as the portal's own actions
//! would, so every row has its audit entry (the ledger's import too). Dates are relative to `now`,
//! so the demo always looks current.

mod procurement;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use socval_core::framework::Framework;
use socval_core::{Decimal, FinancialYear, Gbp};
use socval_store::{
    Actor, FrameworkFormat, NewFramework, NewMembership, NewOrganisation, NewPurchase, NewSupplier,
    NewUser, OrgKind, PurchaseQuote, QuoteLocation, Role, Store,
};
use time::{Duration, OffsetDateTime};

use procurement::{seed_contract, seed_procurement};

const BOROUGH: &str = include_str!("../../../../../data/demo/borough.toml");
const PURCHASES: &str = include_str!("../../../../../data/demo/purchases.csv");
const PROCUREMENTS: &str = include_str!("../../../../../data/demo/procurements.toml");
const OPEN_DEFAULT: &str = include_str!("../../../../../data/frameworks/open-default.toml");
const ROTHERHAM: &str = include_str!("../../../../../data/frameworks/rotherham-2019.toml");
/// The demo's fictional postcode directory, deprivation ranks and names
/// (`data/demo/geo/`).
const GEO: [(&str, &str); 3] = [
    (
        "postcodes.csv",
        include_str!("../../../../../data/demo/geo/postcodes.csv"),
    ),
    (
        "imd.csv",
        include_str!("../../../../../data/demo/geo/imd.csv"),
    ),
    (
        "names.csv",
        include_str!("../../../../../data/demo/geo/names.csv"),
    ),
];
/// Borsetshire's LAD code in the demo's directory (fictional: no E08
/// district has a number this high).
const BORSETSHIRE_LAD: &str = "E08000901";
/// Its city region: Borsetshire, Borchester and Felpersham.
const CITY_REGION: &str = "E08000901,E08000902,E08000903";
/// Where the council's distances are measured from (its offices).
const TOWN_HALL: &str = "BO1 2NP";

/// The framework the demo's procurements and contracts use, and its year.
const FRAMEWORK: &str = "open-default";
const VALUATION_YEAR: &str = "2025/26";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Borough {
    password: String,
    organisation: Vec<OrgFile>,
    supplier: Vec<SupplierFile>,
    user: Vec<UserFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    slug: String,
    name: String,
    kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SupplierFile {
    org: String,
    name: String,
    company_number: String,
    postcode: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFile {
    email: String,
    name: String,
    #[serde(default)]
    login: Option<String>,
    member: Vec<MemberFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberFile {
    org: String,
    role: String,
    #[serde(default)]
    supplier: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Plans {
    procurement: Vec<ProcurementFile>,
    contract: Vec<ContractFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcurementFile {
    state: String,
    reference: String,
    title: String,
    category: String,
    value_gbp: String,
    years: i64,
    measures: Vec<String>,
    suppliers: Vec<String>,
    deadline_days: i64,
    #[serde(default)]
    start_days: Option<i64>,
    #[serde(default)]
    contract_reference: Option<String>,
    #[serde(default)]
    bid: Vec<BidFile>,
    #[serde(default, rename = "return")]
    returns: Vec<ReturnFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BidFile {
    supplier: String,
    price_gbp: String,
    quality_reference: String,
    #[serde(default)]
    quality_score: Option<String>,
    #[serde(default)]
    sv_qualitative_score: Option<String>,
    commitments: Vec<CommitmentFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CommitmentFile {
    measure: String,
    year: i64,
    units: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContractFile {
    reference: String,
    supplier: String,
    title: String,
    category: String,
    value_gbp: String,
    start_days: i64,
    years: i64,
    commitments: Vec<CommitmentFile>,
    #[serde(default, rename = "return")]
    returns: Vec<ReturnFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReturnFile {
    #[serde(default = "first_year")]
    year: i64,
    quarter: i64,
    narrative: String,
    lines: Vec<LineFile>,
}

fn first_year() -> i64 {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LineFile {
    measure: String,
    units: String,
    review: String,
    #[serde(default)]
    comment: String,
}

/// One sign-in the demo prints.
#[derive(Clone, Debug)]
pub struct Login {
    /// `admin`, `officer`, `viewer` or `supplier`.
    pub role: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// For the supplier: the company.
    pub company: Option<String>,
}

/// What was seeded: the council, the logins and the shared password.
#[derive(Clone, Debug)]
pub struct Seeded {
    /// The council's name.
    pub council: String,
    /// The council's slug.
    pub council_slug: String,
    /// One login per role, in the order admin, officer, viewer, supplier.
    pub logins: Vec<Login>,
    /// The password of every demo user.
    pub password: String,
    /// What was seeded, counted, for the banner.
    pub counts: Vec<(String, usize)>,
}

fn money(text: &str, what: &str) -> Result<i64> {
    let g = Gbp::parse(text).map_err(|e| anyhow!("{what}: {e}"))?;
    g.to_pence()
        .ok_or_else(|| anyhow!("{what}: {text} is not a whole number of pence"))
}

fn units(text: &str, what: &str) -> Result<Decimal> {
    text.parse::<Decimal>()
        .map_err(|e| anyhow!("{what}: units {text:?} are not a number ({e})"))
}

fn days(now: OffsetDateTime, n: i64) -> OffsetDateTime {
    now + Duration::days(n)
}

/// Seeds `store` (a fresh database) with the demo borough, as it would be
/// at `now`. Evidence files of the returns are written under `data_dir`.
pub async fn seed(store: &dyn Store, data_dir: &Path, now: OffsetDateTime) -> Result<Seeded> {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let borough: Borough =
        toml::from_str(BOROUGH).context("data/demo/borough.toml is not a valid demo borough")?;
    let plans: Plans = toml::from_str(PROCUREMENTS)
        .context("data/demo/procurements.toml is not a valid demo file")?;
    let demo = Actor::system("socval demo");
    let start = days(now, -400);
    let mut counts: Vec<(String, usize)> = Vec::new();

    let (orgs, frameworks) = seed_organisations(store, &demo, start, &borough.organisation).await?;
    counts.push(("organisations".into(), orgs.len()));
    let mut dir = Directory {
        orgs,
        suppliers: HashMap::new(),
    };
    let council = &borough.organisation[0];
    let council_id = dir.org_id(&council.slug)?;

    dir.suppliers = seed_suppliers(store, &demo, start, &dir, &borough.supplier).await?;
    counts.push(("supplier companies".into(), dir.suppliers.len()));

    let People {
        mut logins,
        supplier_users,
        officer,
    } = seed_users(store, &demo, start, &dir, council_id, &borough).await?;
    counts.push(("users".into(), borough.user.len()));

    seed_purchases(store, &dir.orgs, &officer, now).await?;
    counts.push((
        "small purchases".into(),
        store.purchases(council_id).await?.len(),
    ));

    let fw_id = frameworks[&(council_id, FRAMEWORK)];
    let fw = Framework::from_toml(OPEN_DEFAULT, "open-default.toml")?;
    let mut ctx = Ctx {
        store,
        org: council_id,
        framework_id: fw_id,
        framework: &fw,
        officer: &officer,
        supplier_users: &supplier_users,
        suppliers: &|name: &str| dir.supplier_id(council_id, name),
        data_dir,
        now,
    };
    for p in &plans.procurement {
        seed_procurement(&mut ctx, p)
            .await
            .with_context(|| format!("data/demo/procurements.toml: procurement {}", p.reference))?;
    }
    counts.push(("procurements".into(), plans.procurement.len()));
    for c in &plans.contract {
        seed_contract(&mut ctx, c)
            .await
            .with_context(|| format!("data/demo/procurements.toml: contract {}", c.reference))?;
    }
    counts.push(("contracts".into(), store.contracts(council_id).await?.len()));

    let payments = record_spend(store, &demo, now, council_id, data_dir, &council.slug).await?;
    counts.push(("payments in the spend ledger".into(), payments));

    let order = |r: &str| {
        ["admin", "officer", "viewer", "supplier"]
            .iter()
            .position(|x| *x == r)
    };
    logins.sort_by_key(|l| order(&l.role));
    Ok(Seeded {
        council: council.name.clone(),
        council_slug: council.slug.clone(),
        logins,
        password: borough.password,
        counts,
    })
}

/// The organisations and supplier companies seeded, by the names the demo
/// files use.
struct Directory {
    /// Organisation ids by slug.
    orgs: HashMap<String, i64>,
    /// Supplier company ids by organisation id and company name.
    suppliers: HashMap<(i64, String), i64>,
}

impl Directory {
    fn org_id(&self, slug: &str) -> Result<i64> {
        self.orgs
            .get(slug)
            .copied()
            .ok_or_else(|| anyhow!("data/demo: unknown organisation {slug:?}"))
    }

    fn supplier_id(&self, org: i64, name: &str) -> Result<i64> {
        self.suppliers
            .get(&(org, name.to_owned()))
            .copied()
            .ok_or_else(|| anyhow!("data/demo: unknown supplier company {name:?}"))
    }
}

/// Creates the organisations, each with the two shipped frameworks.
/// Returns the organisations' ids by slug and the frameworks' ids by
/// organisation id and framework name.
async fn seed_organisations(
    store: &dyn Store,
    demo: &Actor,
    at: OffsetDateTime,
    organisations: &[OrgFile],
) -> Result<(HashMap<String, i64>, HashMap<(i64, &'static str), i64>)> {
    let mut orgs: HashMap<String, i64> = HashMap::new();
    let mut frameworks: HashMap<(i64, &str), i64> = HashMap::new();
    for o in organisations {
        let kind: OrgKind = o.kind.parse()?;
        let org = store
            .create_organisation(demo, at, &NewOrganisation::new(&o.slug, &o.name, kind))
            .await
            .with_context(|| format!("organisation {}", o.slug))?;
        for (source, file) in [
            (OPEN_DEFAULT, "open-default.toml"),
            (ROTHERHAM, "rotherham-2019.toml"),
        ] {
            let fw = Framework::from_toml(source, file)?;
            let rec = store
                .create_framework(
                    demo,
                    at,
                    &NewFramework {
                        org_id: org.id,
                        name: fw.meta.id.clone(),
                        edition: fw.meta.edition.clone(),
                        format: FrameworkFormat::Toml,
                        source: source.to_owned(),
                    },
                )
                .await?;
            let name = if fw.meta.id == FRAMEWORK {
                FRAMEWORK
            } else {
                "rotherham-2019"
            };
            frameworks.insert((org.id, name), rec.id);
        }
        orgs.insert(o.slug.clone(), org.id);
    }
    Ok((orgs, frameworks))
}

/// Creates the supplier companies. Returns their ids by organisation id
/// and company name.
async fn seed_suppliers(
    store: &dyn Store,
    demo: &Actor,
    at: OffsetDateTime,
    dir: &Directory,
    companies: &[SupplierFile],
) -> Result<HashMap<(i64, String), i64>> {
    let mut suppliers: HashMap<(i64, String), i64> = HashMap::new();
    for s in companies {
        let org = dir.org_id(&s.org)?;
        let created = store
            .create_supplier(
                demo,
                at,
                &NewSupplier {
                    org_id: org,
                    name: s.name.clone(),
                    company_number: Some(s.company_number.clone()),
                    postcode: Some(s.postcode.clone()),
                },
            )
            .await?;
        suppliers.insert((org, s.name.clone()), created.id);
    }
    Ok(suppliers)
}

/// The users seeded, as the rest of the demo needs them.
struct People {
    /// The sign-ins the demo prints, in file order.
    logins: Vec<Login>,
    /// Each supplier company's first user in the council, who acts for it.
    supplier_users: HashMap<i64, Actor>,
    /// The council's (last) officer, who runs its procurements.
    officer: Actor,
}

/// Creates the users and their memberships. Returns an error if a login
/// role the demo prints has no user.
async fn seed_users(
    store: &dyn Store,
    demo: &Actor,
    at: OffsetDateTime,
    dir: &Directory,
    council_id: i64,
    borough: &Borough,
) -> Result<People> {
    // One password hash for all: hashing is slow on purpose.
    let hash = socval_store::password::hash_blocking(borough.password.clone()).await?;
    let mut logins = Vec::new();
    let mut supplier_users: HashMap<i64, Actor> = HashMap::new();
    let mut officer = demo.clone();
    for u in &borough.user {
        let user = store
            .create_user(
                demo,
                at,
                &NewUser {
                    email: u.email.clone(),
                    name: u.name.clone(),
                    password_hash: hash.clone(),
                },
            )
            .await?;
        let mut company = None;
        for m in &u.member {
            let org = dir.org_id(&m.org)?;
            let role: Role = m.role.parse()?;
            let sid = match &m.supplier {
                Some(name) => {
                    company = Some(name.clone());
                    Some(dir.supplier_id(org, name)?)
                }
                None => None,
            };
            store
                .add_membership(
                    demo,
                    at,
                    &NewMembership {
                        user_id: user.id,
                        org_id: org,
                        role,
                        supplier_id: sid,
                    },
                )
                .await?;
            if let (Some(sid), true) = (sid, org == council_id) {
                supplier_users
                    .entry(sid)
                    .or_insert_with(|| Actor::user(&user));
            }
            if role == Role::Officer && org == council_id {
                officer = Actor::user(&user);
            }
        }
        if let Some(role) = &u.login {
            logins.push(Login {
                role: role.clone(),
                email: user.email.clone(),
                name: user.name.clone(),
                company,
            });
        }
    }
    for want in ["admin", "officer", "viewer", "supplier"] {
        if !logins.iter().any(|l| l.role == want) {
            bail!("data/demo/borough.toml: no user has login = \"{want}\"");
        }
    }
    Ok(People {
        logins,
        supplier_users,
        officer,
    })
}

/// Seeds the spend side ([`seed_spend`]) and records the ledger's import
/// and the register in the store, as `socval spend import` would. Returns
/// the number of payments in the ledger.
async fn record_spend(
    store: &dyn Store,
    demo: &Actor,
    now: OffsetDateTime,
    council_id: i64,
    data_dir: &Path,
    council_slug: &str,
) -> Result<usize> {
    let (ledger, register) = seed_spend(data_dir, council_slug)?;
    store
        .record_spend_imports(
            demo,
            now,
            council_id,
            &[socval_app::spend::import_row(&ledger)],
        )
        .await?;
    store
        .record_spend_register(
            demo,
            now,
            council_id,
            &socval_app::spend::register_row("borsetshire-suppliers.csv", &register),
        )
        .await?;
    Ok(ledger.rows as usize)
}

/// The spend side of the demo: the fictional postcode directory imported
/// into `data_dir`, and a synthetic ledger (`socval spend generate`) of the
/// contracts' year and the year before imported into the council's spend
/// area with its supplier register, and settings that make Borsetshire
/// local. Returns the ledger's import and the register.
fn seed_spend(
    data_dir: &Path,
    council: &str,
) -> Result<(socval_spend::ImportInfo, socval_spend::RegisterInfo)> {
    let dir = data_dir.join("demo-sources");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut files = Vec::new();
    for (name, text) in GEO {
        let p = dir.join(name);
        std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))?;
        files.push(p);
    }
    socval_geo::import(
        data_dir,
        &files,
        &socval_geo::ImportOptions::default(),
        &mut |_, r| r,
    )
    .context("data/demo/geo: the demo's postcode directory")?;

    let postcodes = socval_spend::postcodes_from_csv("postcodes.csv", GEO[0].1.as_bytes())?;
    let year: FinancialYear = VALUATION_YEAR.parse().map_err(|e| anyhow!("{e}"))?;
    let opts = socval_spend::GenerateOptions {
        payments: 20_000,
        suppliers: 400,
        seed: 2019,
        first_year: year.previous(),
        years: 2,
    };
    let payments = dir.join("borsetshire-payments.csv");
    let register = dir.join("borsetshire-suppliers.csv");
    let create = |p: &Path| {
        std::fs::File::create(p)
            .map(std::io::BufWriter::new)
            .with_context(|| format!("writing {}", p.display()))
    };
    socval_spend::generate(&opts, &postcodes, create(&payments)?, create(&register)?)?;
    let spend = socval_spend::SpendStore::for_org(data_dir, council);
    let info = spend
        .import(
            std::slice::from_ref(&payments),
            &socval_spend::ImportOptions::default(),
            false,
        )?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the demo ledger was not imported"))?;
    let register = spend
        .stage_register(
            "borsetshire-suppliers.csv",
            &register,
            time::OffsetDateTime::now_utc(),
        )?
        .commit()?;
    socval_spend::AreaSettings {
        local: vec![BORSETSHIRE_LAD.into()],
        region: CITY_REGION.into(),
        top: 100,
        from: Some(TOWN_HALL.into()),
    }
    .write(&spend)?;
    Ok((info, register))
}

async fn seed_purchases(
    store: &dyn Store,
    orgs: &HashMap<String, i64>,
    officer: &Actor,
    now: OffsetDateTime,
) -> Result<()> {
    let mut reader = csv::Reader::from_reader(PURCHASES.as_bytes());
    // Purchases in file order, with their quotes.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut by_key: HashMap<(String, String), NewPurchase> = HashMap::new();
    for (i, row) in reader.deserialize::<HashMap<String, String>>().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("data/demo/purchases.csv: line {line}"))?;
        let get = |k: &str| row.get(k).map(String::as_str).unwrap_or_default();
        let what = |k: &str| format!("data/demo/purchases.csv: line {line}: {k}");
        let org = *orgs
            .get(get("org"))
            .ok_or_else(|| anyhow!("{}: unknown organisation", what("org")))?;
        let key = (get("org").to_owned(), get("purchase_id").to_owned());
        let days_ago: i64 = get("days_ago").parse().with_context(|| what("days_ago"))?;
        let location: QuoteLocation = socval_store::quote_location(get("supplier_location"))
            .with_context(|| what("supplier_location"))?;
        let quote = PurchaseQuote {
            supplier: get("supplier").to_owned(),
            postcode: get("postcode").to_owned(),
            amount_pence: money(get("amount_gbp"), &what("amount_gbp"))?,
            location,
        };
        let entry = by_key.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            NewPurchase {
                org_id: org,
                reference: key.1.clone(),
                description: get("description").to_owned(),
                value_pence: 0,
                purchase_date: days(now, -days_ago).date(),
                justification: get("justification").to_owned(),
                quotes: Vec::new(),
            }
        });
        entry.value_pence = money(get("purchase_value_gbp"), &what("purchase_value_gbp"))?;
        if entry.justification.is_empty() {
            entry.justification = get("justification").to_owned();
        }
        entry.quotes.push(quote);
    }
    for key in order {
        let p = &by_key[&key];
        let at = OffsetDateTime::new_utc(p.purchase_date, time::Time::from_hms(10, 0, 0)?);
        store
            .create_purchase(officer, at.min(now), p)
            .await
            .with_context(|| format!("data/demo/purchases.csv: purchase {}", p.reference))?;
    }
    Ok(())
}

/// What seeding procurements and contracts needs.
struct Ctx<'a> {
    store: &'a dyn Store,
    org: i64,
    framework_id: i64,
    framework: &'a Framework,
    officer: &'a Actor,
    supplier_users: &'a HashMap<i64, Actor>,
    suppliers: &'a dyn Fn(&str) -> Result<i64>,
    data_dir: &'a Path,
    now: OffsetDateTime,
}

impl Ctx<'_> {
    fn supplier_actor(&self, id: i64) -> Actor {
        self.supplier_users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| Actor::system("socval demo"))
    }
}
