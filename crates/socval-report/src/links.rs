//! Traceability beyond contracts: in the portal, each spend figure links to
//! the payments it adds up (a CSV of them, enriched with supplier and
//! location as by `socval spend export`), and each small-purchase figure
//! links to the purchases it counts.
//!
//! [`link_records`] writes the query of each such cell of a built report
//! ([`crate::Row::cell_records`]); [`RecordQuery::from_pairs`] reads it
//! back; [`spend_payments_csv`] and [`PurchaseFilter::matches`] select what
//! the figure counts.

use std::collections::HashSet;
use std::fmt;
use std::path::Path;

use socval_core::cell::safe_cells;
use socval_core::quotes::PurchaseCheck;
use socval_core::{FinancialYear, Gbp};
use socval_spend::{AnalysisOptions, ExportFormat, LocationResolver, SpendStore, normalise_name};

use crate::contracts::{Filter, encode};
use crate::error::{Error, Result};
use crate::model::{Cell, Report};
use crate::source::{SpendSettings, with_resolver};

/// Which payments of a year a spend figure adds up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpendWhat {
    /// Every payment.
    All,
    /// Suppliers in one location class (`local`, `region`, `outside`,
    /// `unknown`).
    Class(String),
    /// Local suppliers in the most deprived `1%`, `10%` or `20%` (nested).
    Band(String),
    /// Local suppliers in one ward (empty: ward not known).
    Ward(String),
    /// One supplier: by register id, else by name.
    Supplier {
        /// The register's id.
        id: Option<String>,
        /// The name the report shows.
        name: String,
    },
    /// Payees not in the supplier register (redacted names aside).
    Unmatched,
    /// Payments to redacted names.
    Redacted,
    /// Negative payments.
    CreditNotes,
    /// Suppliers placed by a location override.
    Overrides,
}

/// The payments behind one spend figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpendQuery {
    /// The financial year of the payments.
    pub year: FinancialYear,
    /// Only the year's top N suppliers.
    pub top: bool,
    /// Which payments.
    pub what: SpendWhat,
}

/// Which small purchases of a year a figure counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PurchaseFilter {
    /// Every purchase of the year.
    All,
    /// Those under the quotes threshold (the rule applies).
    InScope,
    /// Under the threshold and meeting the rule.
    Compliant,
    /// Not meeting the rule.
    NotCompliant,
    /// One purchase, by its reference.
    Reference(String),
}

/// What a number of the portal's report links to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordQuery {
    /// Commitment rows and return lines of the contracts.
    Contracts(Filter),
    /// Payments of the spend area.
    Spend(SpendQuery),
    /// Small purchases of a year.
    Purchases(FinancialYear, PurchaseFilter),
}

fn url_year(y: FinancialYear) -> String {
    y.to_string().replace('/', "-")
}

impl PurchaseFilter {
    /// `all`, `in-scope`, `compliant`, `not-compliant` (a reference has
    /// none).
    pub fn name(&self) -> Option<&'static str> {
        match self {
            PurchaseFilter::All => Some("all"),
            PurchaseFilter::InScope => Some("in-scope"),
            PurchaseFilter::Compliant => Some("compliant"),
            PurchaseFilter::NotCompliant => Some("not-compliant"),
            PurchaseFilter::Reference(_) => None,
        }
    }

    /// Reads [`PurchaseFilter::name`] back.
    pub fn from_name(s: &str) -> Option<PurchaseFilter> {
        match s {
            "all" => Some(PurchaseFilter::All),
            "in-scope" => Some(PurchaseFilter::InScope),
            "compliant" => Some(PurchaseFilter::Compliant),
            "not-compliant" => Some(PurchaseFilter::NotCompliant),
            _ => None,
        }
    }

    /// Whether the purchase checked as `c` is one of those counted (the
    /// report's "compliant" counts purchases under the threshold only).
    pub fn matches(&self, c: &PurchaseCheck) -> bool {
        match self {
            PurchaseFilter::All => true,
            PurchaseFilter::InScope => c.in_scope,
            PurchaseFilter::Compliant => c.in_scope && c.compliant,
            PurchaseFilter::NotCompliant => !c.compliant,
            PurchaseFilter::Reference(r) => c.purchase_id == *r,
        }
    }
}

impl fmt::Display for PurchaseFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PurchaseFilter::All => f.write_str("all small purchases"),
            PurchaseFilter::InScope => f.write_str("small purchases under the quotes threshold"),
            PurchaseFilter::Compliant => {
                f.write_str("small purchases under the quotes threshold that meet the quotes rule")
            }
            PurchaseFilter::NotCompliant => {
                f.write_str("small purchases that do not meet the quotes rule")
            }
            PurchaseFilter::Reference(r) => write!(f, "small purchase {r}"),
        }
    }
}

impl RecordQuery {
    /// The query string (`spend=class&year=2019-20&value=local`).
    pub fn query(&self) -> String {
        match self {
            RecordQuery::Contracts(f) => f.query(),
            RecordQuery::Purchases(y, PurchaseFilter::Reference(r)) => {
                format!("purchase={}&year={}", encode(r), url_year(*y))
            }
            RecordQuery::Purchases(y, p) => format!(
                "purchases={}&year={}",
                p.name().unwrap_or("all"),
                url_year(*y)
            ),
            RecordQuery::Spend(q) => {
                let (kind, value) = match &q.what {
                    SpendWhat::All => ("all", None),
                    SpendWhat::Class(c) => ("class", Some(c.as_str())),
                    SpendWhat::Band(b) => ("band", Some(b.as_str())),
                    SpendWhat::Ward(w) => ("ward", Some(w.as_str())),
                    SpendWhat::Supplier { id: Some(id), .. } => ("supplier_id", Some(id.as_str())),
                    SpendWhat::Supplier { id: None, name } => ("supplier", Some(name.as_str())),
                    SpendWhat::Unmatched => ("unmatched", None),
                    SpendWhat::Redacted => ("redacted", None),
                    SpendWhat::CreditNotes => ("credit_notes", None),
                    SpendWhat::Overrides => ("overrides", None),
                };
                let mut s = format!("spend={kind}&year={}", url_year(q.year));
                if let Some(v) = value {
                    s.push_str(&format!("&value={}", encode(v)));
                }
                if q.top {
                    s.push_str("&top=1");
                }
                s
            }
        }
    }

    /// Reads a query back from its decoded pairs; `None` if it is not one
    /// this module writes (a contracts filter has exactly one pair).
    pub fn from_pairs(pairs: &[(String, String)]) -> Option<RecordQuery> {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let year = || get("year")?.parse::<FinancialYear>().ok();
        if let Some(kind) = get("spend") {
            let value = get("value").map(str::to_string);
            let what = match (kind, value) {
                ("all", None) => SpendWhat::All,
                ("class", Some(v)) => SpendWhat::Class(v),
                ("band", Some(v)) => SpendWhat::Band(v),
                ("ward", Some(v)) => SpendWhat::Ward(v),
                ("supplier_id", Some(v)) => SpendWhat::Supplier {
                    id: Some(v),
                    name: String::new(),
                },
                ("supplier", Some(v)) => SpendWhat::Supplier { id: None, name: v },
                ("unmatched", None) => SpendWhat::Unmatched,
                ("redacted", None) => SpendWhat::Redacted,
                ("credit_notes", None) => SpendWhat::CreditNotes,
                ("overrides", None) => SpendWhat::Overrides,
                _ => return None,
            };
            let top = match get("top") {
                None => false,
                Some("1") => true,
                Some(_) => return None,
            };
            let known = ["spend", "year", "value", "top"];
            if pairs.iter().any(|(k, _)| !known.contains(&k.as_str())) {
                return None;
            }
            return Some(RecordQuery::Spend(SpendQuery {
                year: year()?,
                top,
                what,
            }));
        }
        if let Some(r) = get("purchase") {
            if pairs.len() != 2 {
                return None;
            }
            return Some(RecordQuery::Purchases(
                year()?,
                PurchaseFilter::Reference(r.to_string()),
            ));
        }
        if let Some(p) = get("purchases") {
            if pairs.len() != 2 {
                return None;
            }
            return Some(RecordQuery::Purchases(
                year()?,
                PurchaseFilter::from_name(p)?,
            ));
        }
        match pairs {
            [] => Some(RecordQuery::Contracts(Filter::All)),
            [(k, v)] => Filter::from_pair(k, v).map(RecordQuery::Contracts),
            _ => None,
        }
    }
}

impl fmt::Display for SpendQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = if self.top {
            "the top suppliers"
        } else {
            "suppliers"
        };
        match &self.what {
            SpendWhat::All => write!(f, "payments to {who} in {}", self.year),
            SpendWhat::Class(c) => write!(f, "payments to {who} located {c} in {}", self.year),
            SpendWhat::Band(b) => write!(
                f,
                "payments to local {who} in the most deprived {b} in {}",
                self.year
            ),
            SpendWhat::Ward(w) if w.is_empty() => {
                write!(
                    f,
                    "payments to local {who} in no known ward in {}",
                    self.year
                )
            }
            SpendWhat::Ward(w) => write!(f, "payments to local {who} in ward {w} in {}", self.year),
            SpendWhat::Supplier { id: Some(id), .. } => {
                write!(f, "payments to supplier {id} in {}", self.year)
            }
            SpendWhat::Supplier { name, .. } => {
                write!(f, "payments to {name} in {}", self.year)
            }
            SpendWhat::Unmatched => write!(
                f,
                "payments to payees not in the supplier register in {}",
                self.year
            ),
            SpendWhat::Redacted => write!(f, "payments to redacted names in {}", self.year),
            SpendWhat::CreditNotes => write!(f, "credit notes in {}", self.year),
            SpendWhat::Overrides => write!(
                f,
                "payments to suppliers placed by a location override in {}",
                self.year
            ),
        }
    }
}

/// Sets the query of every spend and small-purchase figure of `report`
/// that has one ([`crate::Row::cell_records`]), so that the portal can
/// link it. Figures with no query (changes, SME and VCSE shares, unknown
/// locations by reason) stay unlinked; their table's note and sources say
/// where they come from.
pub fn link_records(report: &mut Report) {
    let (year, compare) = (report.year, report.compare);
    for s in &mut report.sections {
        for b in &mut s.blocks {
            let crate::model::Block::Table(t) = b else {
                continue;
            };
            let keys: Vec<String> = t.columns.iter().map(|c| c.key.clone()).collect();
            for r in &mut t.rows {
                let spend = |what: SpendWhat, top: bool| {
                    let mut out = Vec::new();
                    for (cols, y) in [
                        (
                            &["gbp", "share_pct", "suppliers", "payments"][..],
                            Some(year),
                        ),
                        (
                            &["prev_gbp", "prev_share_pct", "prev_suppliers"][..],
                            compare,
                        ),
                    ] {
                        let Some(y) = y else { continue };
                        let q = RecordQuery::Spend(SpendQuery {
                            year: y,
                            top,
                            what: what.clone(),
                        })
                        .query();
                        out.extend(cols.iter().map(|c| (c.to_string(), q.clone())));
                    }
                    out
                };
                let purchases = |f: PurchaseFilter| RecordQuery::Purchases(year, f).query();
                let links: Vec<(String, String)> = match (t.id.as_str(), r.key.as_str()) {
                    ("spend_summary", "total") => spend(SpendWhat::All, false),
                    ("spend_summary", "top_n") => spend(SpendWhat::All, true),
                    ("graph1_all_by_location", k) => spend(SpendWhat::Class(k.into()), false),
                    ("graph2_top_by_location", k) => spend(SpendWhat::Class(k.into()), true),
                    ("deprived_all", k) => spend(SpendWhat::Band(band(k).into()), false),
                    ("graph3_top_deprived", k) => spend(SpendWhat::Band(band(k).into()), true),
                    ("wards_all", k) => spend(SpendWhat::Ward(ward(k).into()), false),
                    ("graph4_top_by_ward", k) => spend(SpendWhat::Ward(ward(k).into()), true),
                    ("top_suppliers", _) => {
                        let text = |i: usize| match r.cells.get(i) {
                            Some(Cell::Text(s)) if !s.is_empty() => Some(s.clone()),
                            _ => None,
                        };
                        let what = SpendWhat::Supplier {
                            id: text(2),
                            name: text(1).unwrap_or_default(),
                        };
                        let q = RecordQuery::Spend(SpendQuery {
                            year,
                            top: false,
                            what,
                        })
                        .query();
                        vec![("gbp".into(), q)]
                    }
                    ("spend_data_quality", "unmatched") => spend(SpendWhat::Unmatched, false),
                    ("spend_data_quality", "redacted") => spend(SpendWhat::Redacted, false),
                    ("spend_data_quality", "credit_notes") => spend(SpendWhat::CreditNotes, false),
                    ("spend_data_quality", "overrides") => spend(SpendWhat::Overrides, false),
                    ("quotes_summary", _) => vec![
                        ("purchases".into(), purchases(PurchaseFilter::All)),
                        ("in_scope".into(), purchases(PurchaseFilter::InScope)),
                        ("in_scope_gbp".into(), purchases(PurchaseFilter::InScope)),
                        ("compliant".into(), purchases(PurchaseFilter::Compliant)),
                        (
                            "not_compliant".into(),
                            purchases(PurchaseFilter::NotCompliant),
                        ),
                        ("compliance_pct".into(), purchases(PurchaseFilter::InScope)),
                    ],
                    ("quotes_not_compliant", k) => {
                        let q = purchases(PurchaseFilter::Reference(k.to_string()));
                        ["value_gbp", "quotes", "local", "region"]
                            .iter()
                            .map(|c| (c.to_string(), q.clone()))
                            .collect()
                    }
                    ("quotes_audit", _) => {
                        vec![("population".into(), purchases(PurchaseFilter::InScope))]
                    }
                    _ => continue,
                };
                for (c, q) in links {
                    if keys.contains(&c) {
                        r.cell_records.insert(c, q);
                    }
                }
            }
        }
    }
}

fn band(key: &str) -> &str {
    match key {
        "p1" => "1%",
        "p10" => "10%",
        _ => "20%",
    }
}

fn ward(key: &str) -> &str {
    if key == "unknown" { "" } else { key }
}

/// The payments behind a spend figure: the payments of `q.year` in
/// `store`, each with its supplier and location (the columns of
/// `socval spend export`), selected as `q` says, as CSV; with the number
/// of payments and their sum.
///
/// Returns an error if the store or the postcode directory cannot be read.
pub fn spend_payments_csv(
    data_dir: &Path,
    store: &SpendStore,
    settings: &SpendSettings,
    q: &SpendQuery,
) -> Result<(Vec<u8>, u64, Gbp)> {
    let s = SpendSettings {
        year: q.year,
        compare: None,
        ..settings.clone()
    };
    with_resolver(data_dir, &s, |r, _, _| payments_csv(store, r, s.top, q))
}

/// [`spend_payments_csv`] with the locations of `resolver` and the top
/// `top_n` suppliers.
///
/// Returns an error if the store cannot be read.
pub fn payments_csv(
    store: &SpendStore,
    resolver: &dyn LocationResolver,
    top_n: usize,
    q: &SpendQuery,
) -> Result<(Vec<u8>, u64, Gbp)> {
    let register = store.register()?;
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = std::env::temp_dir().join(format!(
        "socval-payments-{}-{}.csv",
        std::process::id(),
        SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    struct Remove<'a>(&'a Path);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(self.0);
        }
    }
    let _guard = Remove(&tmp);
    socval_spend::export(
        store,
        &register,
        resolver,
        Some(q.year),
        ExportFormat::Csv,
        &tmp,
    )?;
    let top = if q.top {
        let opts = AnalysisOptions {
            top_n,
            ..AnalysisOptions::default()
        };
        store
            .analyse(&register, resolver, q.year, None, &opts)?
            .map(|a| TopPayees::of(a.this.top_suppliers))
    } else {
        None
    };
    select(&tmp, q, top.as_ref())
}

/// The top suppliers as the analysis groups payees: by register id, else
/// (for a name not in the register) by the normalised name.
#[derive(Default)]
struct TopPayees {
    ids: HashSet<String>,
    names: HashSet<String>,
}

impl TopPayees {
    fn of(top: Vec<socval_spend::TopSupplier>) -> TopPayees {
        let mut t = TopPayees::default();
        for s in top {
            match s.supplier_id {
                Some(id) => {
                    t.ids.insert(id);
                }
                None => {
                    t.names.insert(normalise_name(&s.supplier));
                }
            }
        }
        t
    }
}

/// The columns of the enriched export that a spend figure selects on.
struct Columns {
    amount: usize,
    name: usize,
    redacted: usize,
    reg: usize,
    reg_id: usize,
    class: usize,
    ward: usize,
    band: usize,
    over: usize,
}

impl Columns {
    fn find(headers: &csv::StringRecord, file: &str) -> Result<Columns> {
        let at = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| Error::Csv {
                    file: file.to_string(),
                    reason: format!("no column {name}"),
                })
        };
        Ok(Columns {
            amount: at("amount_pence")?,
            name: at("supplier_name")?,
            redacted: at("redacted")?,
            reg: at("register_supplier")?,
            reg_id: at("register_supplier_id")?,
            class: at("location_class")?,
            ward: at("ward")?,
            band: at("deprivation_band")?,
            over: at("override_reason")?,
        })
    }

    /// Whether the payment `rec` is one of those `q` selects (`top`: the
    /// year's top suppliers, when `q` asks for them).
    fn keeps(&self, rec: &csv::StringRecord, q: &SpendQuery, top: Option<&TopPayees>) -> bool {
        let f = |i: usize| rec.get(i).unwrap_or("");
        let is_redacted = f(self.redacted) == "true";
        let local = f(self.class) == "local";
        // The payee as the analysis groups it: the register's supplier
        // (by id, else name) or the published name, normalised.
        let payee_name = || {
            normalise_name(if f(self.reg).is_empty() {
                f(self.name)
            } else {
                f(self.reg)
            })
        };
        let in_top = || {
            let Some(top) = top else { return false };
            (!f(self.reg_id).is_empty() && top.ids.contains(f(self.reg_id)))
                || (f(self.reg_id).is_empty() && !is_redacted && top.names.contains(&payee_name()))
        };
        let keep = match &q.what {
            SpendWhat::All => true,
            SpendWhat::Class(c) => f(self.class) == c,
            SpendWhat::Band(b) => {
                local
                    && match b.as_str() {
                        "1%" => f(self.band) == "1%",
                        "10%" => matches!(f(self.band), "1%" | "10%"),
                        _ => matches!(f(self.band), "1%" | "10%" | "20%"),
                    }
            }
            SpendWhat::Ward(wd) => local && f(self.ward) == wd,
            SpendWhat::Supplier { id: Some(id), .. } => f(self.reg_id) == id,
            SpendWhat::Supplier { id: None, name: nm } => {
                !is_redacted && f(self.reg_id).is_empty() && payee_name() == normalise_name(nm)
            }
            SpendWhat::Unmatched => !is_redacted && f(self.reg).is_empty(),
            SpendWhat::Redacted => is_redacted,
            SpendWhat::CreditNotes => f(self.amount).starts_with('-'),
            SpendWhat::Overrides => !f(self.over).is_empty(),
        };
        keep && (!q.top || in_top())
    }
}

/// The payments of the enriched export `path` that `q` selects, as CSV
/// (no cell a formula), their number and their sum.
fn select(path: &Path, q: &SpendQuery, top: Option<&TopPayees>) -> Result<(Vec<u8>, u64, Gbp)> {
    let file = path.display().to_string();
    let bad = |e: csv::Error| Error::Csv {
        file: file.clone(),
        reason: e.to_string(),
    };
    let mut rd = csv::Reader::from_path(path).map_err(bad)?;
    let headers = rd.headers().map_err(bad)?.clone();
    let cols = Columns::find(&headers, &file)?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(safe_cells(&headers)).map_err(bad)?;
    let (mut n, mut sum) = (0u64, 0i64);
    for rec in rd.records() {
        let rec = rec.map_err(bad)?;
        if cols.keeps(&rec, q, top) {
            n += 1;
            let amount = rec.get(cols.amount).unwrap_or("");
            sum += amount.parse::<i64>().map_err(|e| Error::Csv {
                file: file.clone(),
                reason: format!("amount_pence {amount:?}: {e}"),
            })?;
            w.write_record(safe_cells(&rec)).map_err(bad)?;
        }
    }
    let bytes = w.into_inner().map_err(|e| Error::Csv {
        file,
        reason: e.to_string(),
    })?;
    Ok((bytes, n, Gbp::from_pence(sum)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(q: &str) -> Vec<(String, String)> {
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                let v = v.replace("%25", "%").replace("%20", " ");
                (k.to_string(), v)
            })
            .collect()
    }

    /// The payments behind a figure are exported as text, never as
    /// formulas; credit notes stay numbers (issue 12, item 6).
    #[test]
    fn payment_records_carry_no_formulas() {
        let tmp = tempfile::tempdir().unwrap();
        let store = SpendStore::new(tmp.path());
        let file = tmp.path().join("p.csv");
        std::fs::write(
            &file,
            "Payment Date,Amount,Supplier Name\n2019-04-01,-12.50,\"=HYPERLINK(\"\"http://x.example/\"\",\"\"Acme\"\")\"\n",
        )
        .unwrap();
        store
            .import(&[file], &socval_spend::ImportOptions::default(), false)
            .unwrap();
        let q = SpendQuery {
            year: FinancialYear::starting(2019),
            top: false,
            what: SpendWhat::All,
        };
        let (bytes, n, sum) = payments_csv(&store, &socval_spend::NoDirectory, 10, &q).unwrap();
        assert_eq!((n, sum.to_string()), (1, "-12.50".to_string()));
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.contains(",\"'=HYPERLINK(\"\"http://x.example/\"\",\"\"Acme\"\")\","),
            "{text}"
        );
        assert!(text.contains(",-1250,"), "{text}");
    }

    #[test]
    fn what_a_report_writes_reads_back() {
        let y = FinancialYear::starting(2019);
        for q in [
            RecordQuery::Contracts(Filter::Measure("R09".into())),
            RecordQuery::Purchases(y, PurchaseFilter::NotCompliant),
            RecordQuery::Purchases(y, PurchaseFilter::Reference("SP 1".into())),
            RecordQuery::Spend(SpendQuery {
                year: y,
                top: true,
                what: SpendWhat::Band("10%".into()),
            }),
            RecordQuery::Spend(SpendQuery {
                year: y.previous(),
                top: false,
                what: SpendWhat::Unmatched,
            }),
        ] {
            assert_eq!(RecordQuery::from_pairs(&pairs(&q.query())), Some(q.clone()));
        }
        for bad in [
            "spend=class&year=2019-20",
            "spend=all&year=20x",
            "spend=all&year=2019-20&colour=red",
            "purchases=some&year=2019-20",
            "purchases=all",
            "measure=R09&theme=X",
        ] {
            assert_eq!(RecordQuery::from_pairs(&pairs(bad)), None, "{bad}");
        }
    }
}
