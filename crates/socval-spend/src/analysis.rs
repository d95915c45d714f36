//! The CLES analyses (report paragraphs 2.18–2.30), in plain Rust over
//! columnar arrays.
//!
//! Payments are read column by column from the Parquet imports. Each
//! distinct published supplier name (a Parquet dictionary value) is joined
//! once to a dense *payee* id: a register supplier (by supplier id, else by
//! normalised name), an unmatched name (grouped by its normalised form), or
//! the redacted payee. Sums are `i64` pence in arrays indexed by payee id,
//! one array per financial year. Each payee's location is resolved once.
//! Everything else works on those arrays, whose length is the number of
//! suppliers, not payments.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use serde::Serialize;
use socval_core::{Decimal, FinancialYear, Gbp};

use crate::error::{Error, Result};
use crate::ledger::days_since_epoch;
use crate::location::{DeprivedBand, LocationClass, LocationResolver, SupplierLocation};
use crate::name::{is_redacted, normalise_name};
use crate::register::SupplierRegister;
use crate::schema::col;

/// Columns the analysis reads.
pub const ANALYSIS_COLUMNS: [&str; 4] = [
    col::DATE,
    col::AMOUNT_PENCE,
    col::SUPPLIER_NAME,
    col::SUPPLIER_ID,
];

/// Options of the analyses.
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// How many top suppliers (by spend in the year) to single out.
    pub top_n: usize,
    /// Upper bounds of the distance bands, in km, ascending.
    pub distance_bands_km: Vec<u32>,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        AnalysisOptions {
            top_n: 300,
            distance_bands_km: vec![5, 10, 25, 50, 100],
        }
    }
}

/// Who was paid, after joining to the register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payee {
    /// The register's name, or the first published spelling.
    pub name: String,
    /// The register supplier, if joined.
    pub supplier: Option<u32>,
    /// The redacted payee (all redacted payments together).
    pub redacted: bool,
}

#[derive(Clone, Copy)]
struct YearRange {
    first: i32,
    end: i32,
}

/// Payments summed per payee per financial year.
pub struct SpendTotals<'r> {
    register: &'r SupplierRegister,
    years: Vec<FinancialYear>,
    ranges: Vec<YearRange>,
    payees: Vec<Payee>,
    /// `[year][payee]` pence.
    pence: Vec<Vec<i64>>,
    /// `[year][payee]` payments.
    rows: Vec<Vec<u32>>,
    credit_notes: Vec<(u64, i64)>,
    by_raw: HashMap<String, u32>,
    by_norm: HashMap<String, u32>,
    by_supplier: HashMap<u32, u32>,
    redacted: Option<u32>,
    last_names: Option<(ArrayRef, Vec<u32>)>,
    last_ids: Option<(ArrayRef, Vec<Option<u32>>)>,
}

impl<'r> SpendTotals<'r> {
    /// Empty totals for the given financial years (payments in other years
    /// are read and ignored).
    pub fn new(register: &'r SupplierRegister, years: &[FinancialYear]) -> Self {
        let mut years = years.to_vec();
        years.sort();
        years.dedup();
        let ranges = years
            .iter()
            .map(|y| YearRange {
                first: days_since_epoch(y.first_day()),
                end: days_since_epoch(y.last_day()) + 1,
            })
            .collect();
        SpendTotals {
            register,
            pence: vec![Vec::new(); years.len()],
            rows: vec![Vec::new(); years.len()],
            credit_notes: vec![(0, 0); years.len()],
            years,
            ranges,
            payees: Vec::new(),
            by_raw: HashMap::new(),
            by_norm: HashMap::new(),
            by_supplier: HashMap::new(),
            redacted: None,
            last_names: None,
            last_ids: None,
        }
    }

    /// The payees seen so far, indexed by payee id.
    pub fn payees(&self) -> &[Payee] {
        &self.payees
    }

    fn new_payee(&mut self, p: Payee) -> u32 {
        let id = u32::try_from(self.payees.len()).expect("fewer than 4 billion payees");
        self.payees.push(p);
        for v in &mut self.pence {
            v.push(0);
        }
        for v in &mut self.rows {
            v.push(0);
        }
        id
    }

    fn supplier_payee(&mut self, s: u32) -> u32 {
        if let Some(&p) = self.by_supplier.get(&s) {
            return p;
        }
        let name = self.register.suppliers()[s as usize].name.clone();
        let p = self.new_payee(Payee {
            name,
            supplier: Some(s),
            redacted: false,
        });
        self.by_supplier.insert(s, p);
        p
    }

    /// The payee of a supplier id, if the register has it.
    pub fn payee_for_id(&mut self, id: &str) -> Option<u32> {
        self.register.find_id(id).map(|s| self.supplier_payee(s))
    }

    /// The payee of a published supplier name (no supplier id).
    pub fn payee_for_name(&mut self, raw: &str) -> u32 {
        if let Some(&p) = self.by_raw.get(raw) {
            return p;
        }
        let p = if is_redacted(raw) {
            match self.redacted {
                Some(p) => p,
                None => {
                    let p = self.new_payee(Payee {
                        name: "REDACTED".into(),
                        supplier: None,
                        redacted: true,
                    });
                    self.redacted = Some(p);
                    p
                }
            }
        } else {
            let norm = normalise_name(raw);
            match self.register.find_name(&norm) {
                Some(s) => self.supplier_payee(s),
                None => match self.by_norm.get(&norm) {
                    Some(&p) => p,
                    None => {
                        let p = self.new_payee(Payee {
                            name: raw.to_string(),
                            supplier: None,
                            redacted: false,
                        });
                        self.by_norm.insert(norm, p);
                        p
                    }
                },
            }
        };
        self.by_raw.insert(raw.to_string(), p);
        p
    }

    /// Adds a batch with the columns [`ANALYSIS_COLUMNS`] (`supplier_id`
    /// may be absent).
    ///
    /// Returns an error if a column is missing or of the wrong type.
    pub fn add_batch(&mut self, batch: &RecordBatch) -> Result<()> {
        let bad = |c: &str| Error::Export {
            reason: format!("payments batch: column {c} is missing or of the wrong type"),
        };
        let dates = batch
            .column_by_name(col::DATE)
            .and_then(|a| a.as_primitive_opt::<Date32Type>())
            .ok_or_else(|| bad(col::DATE))?;
        let amounts = batch
            .column_by_name(col::AMOUNT_PENCE)
            .and_then(|a| a.as_primitive_opt::<Int64Type>())
            .ok_or_else(|| bad(col::AMOUNT_PENCE))?;
        let names = batch
            .column_by_name(col::SUPPLIER_NAME)
            .and_then(|a| a.as_dictionary_opt::<Int32Type>())
            .ok_or_else(|| bad(col::SUPPLIER_NAME))?;
        let ids = batch
            .column_by_name(col::SUPPLIER_ID)
            .and_then(|a| a.as_dictionary_opt::<Int32Type>())
            .filter(|a| a.null_count() < a.len());

        // Join each dictionary value once; consecutive batches of a column
        // chunk share their dictionary, so usually this is skipped.
        fn same<T>(last: &Option<(ArrayRef, T)>, v: &ArrayRef) -> bool {
            last.as_ref().is_some_and(|(a, _)| Arc::ptr_eq(a, v))
        }
        if !same(&self.last_names, names.values()) {
            let values = names
                .values()
                .as_string_opt::<i32>()
                .ok_or_else(|| bad(col::SUPPLIER_NAME))?;
            let map: Vec<u32> = (0..values.len())
                .map(|i| self.payee_for_name(values.value(i)))
                .collect();
            self.last_names = Some((names.values().clone(), map));
        }
        if let Some(ids) = ids
            && !same(&self.last_ids, ids.values())
        {
            let values = ids
                .values()
                .as_string_opt::<i32>()
                .ok_or_else(|| bad(col::SUPPLIER_ID))?;
            let map: Vec<Option<u32>> = (0..values.len())
                .map(|i| {
                    self.register
                        .find_id(values.value(i))
                        .map(|s| self.supplier_payee(s))
                })
                .collect();
            self.last_ids = Some((ids.values().clone(), map));
        }
        let name_map = &self.last_names.as_ref().expect("set above").1;
        let id_map = ids.map(|_| &self.last_ids.as_ref().expect("set above").1);
        let (dates, amounts, keys) = (dates.values(), amounts.values(), names.keys().values());
        let mut cur: Option<(YearRange, usize)> = None;
        for i in 0..dates.len() {
            let d = dates[i];
            let y = match cur {
                Some((r, y)) if d >= r.first && d < r.end => y,
                _ => match self.ranges.iter().position(|r| d >= r.first && d < r.end) {
                    Some(y) => {
                        cur = Some((self.ranges[y], y));
                        y
                    }
                    None => continue,
                },
            };
            let mut p = name_map[keys[i] as usize];
            if let (Some(ids), Some(map)) = (ids, id_map)
                && ids.is_valid(i)
                && let Some(sp) = map[ids.keys().value(i) as usize]
            {
                p = sp;
            }
            let a = amounts[i];
            self.pence[y][p as usize] += a;
            self.rows[y][p as usize] += 1;
            if a < 0 {
                self.credit_notes[y].0 += 1;
                self.credit_notes[y].1 += a;
            }
        }
        Ok(())
    }

    /// Resolves each payee's location once: the override's postcode if
    /// there is one, else the register's; unmatched and redacted payees are
    /// unknown (unless an override names them).
    pub fn locations(&self, resolver: &dyn LocationResolver) -> Vec<PayeeLocation> {
        let mut cache: HashMap<String, SupplierLocation> = HashMap::new();
        let mut resolve = |pc: &str| {
            cache
                .entry(pc.to_string())
                .or_insert_with(|| resolver.resolve(pc))
                .clone()
        };
        self.payees
            .iter()
            .map(|p| {
                if p.redacted {
                    return PayeeLocation {
                        location: SupplierLocation::unknown("redacted"),
                        override_reason: None,
                    };
                }
                let s = p.supplier.map(|s| &self.register.suppliers()[s as usize]);
                let norm = normalise_name(&p.name);
                if let Some(o) = self
                    .register
                    .override_for(s.and_then(|s| s.id.as_deref()), &norm)
                {
                    let o = &self.register.overrides()[o as usize];
                    return PayeeLocation {
                        location: resolve(&o.postcode),
                        override_reason: Some(o.reason.clone()),
                    };
                }
                let location = match s {
                    None => SupplierLocation::unknown("not in the supplier register"),
                    Some(s) => match &s.postcode {
                        None => SupplierLocation::unknown("no postcode"),
                        Some(pc) => resolve(pc),
                    },
                };
                PayeeLocation {
                    location,
                    override_reason: None,
                }
            })
            .collect()
    }

    /// The report for one of the years given to [`SpendTotals::new`].
    ///
    /// Returns `None` for a year that was not collected.
    pub fn report(
        &self,
        year: FinancialYear,
        locations: &[PayeeLocation],
        opts: &AnalysisOptions,
    ) -> Option<YearReport> {
        let y = self.years.iter().position(|&x| x == year)?;
        Some(build_report(self, y, locations, opts))
    }
}

/// A payee's resolved location.
#[derive(Clone, Debug, PartialEq)]
pub struct PayeeLocation {
    /// Where it is.
    pub location: SupplierLocation,
    /// The override's reason, when an override gave the postcode.
    pub override_reason: Option<String>,
}

/// £ and supplier count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GbpSuppliers {
    /// Exact £.
    pub gbp: Gbp,
    /// Distinct suppliers.
    pub suppliers: u64,
    /// Share of the whole the figure belongs to (total, or local spend), %.
    pub share_pct: Option<Decimal>,
}

/// The four location classes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ByClass {
    /// In the own area.
    pub local: GbpSuppliers,
    /// In the rest of the region.
    pub region: GbpSuppliers,
    /// Elsewhere.
    pub outside: GbpSuppliers,
    /// Not known.
    pub unknown: GbpSuppliers,
}

/// Local spend with suppliers in the nationally most deprived LSOAs
/// (cumulative: the 10% includes the 1%).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeprivedLocal {
    /// The most deprived 1%.
    #[serde(rename = "1%")]
    pub p1: GbpSuppliers,
    /// The most deprived 10%.
    #[serde(rename = "10%")]
    pub p10: GbpSuppliers,
    /// The most deprived 20%.
    #[serde(rename = "20%")]
    pub p20: GbpSuppliers,
}

/// Local spend in one ward.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WardRow {
    /// Ward code.
    pub ward: String,
    /// Ward name (empty if unknown).
    pub ward_name: String,
    /// Exact £.
    pub gbp: Gbp,
    /// Suppliers.
    pub suppliers: u64,
    /// Share of local spend, %.
    pub share_pct: Option<Decimal>,
}

/// Spend by distance from the local definition's centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DistanceRow {
    /// `0-5 km`, …, `100+ km`, or `unknown`.
    pub band: String,
    /// Exact £.
    pub gbp: Gbp,
    /// Suppliers.
    pub suppliers: u64,
    /// Share of total spend, %.
    pub share_pct: Option<Decimal>,
}

/// A flagged group of suppliers (SME, VCSE).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FlagShare {
    /// Flagged yes.
    pub yes: GbpSuppliers,
    /// Not flagged either way (or not in the register).
    pub unknown: GbpSuppliers,
}

/// One of the top suppliers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopSupplier {
    /// 1 for the largest.
    pub rank: u32,
    /// Name.
    pub supplier: String,
    /// Register id.
    pub supplier_id: Option<String>,
    /// Exact £.
    pub gbp: Gbp,
    /// Location class.
    pub class: LocationClass,
    /// Postcode used.
    pub postcode: Option<String>,
    /// Ward code.
    pub ward: Option<String>,
}

/// £, payments and suppliers for a data quality finding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Exact £.
    pub gbp: Gbp,
    /// Payments.
    pub payments: u64,
    /// Distinct suppliers.
    pub suppliers: u64,
}

/// Unknown locations by reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonRow {
    /// Why.
    pub reason: String,
    /// Exact £.
    pub gbp: Gbp,
    /// Payments.
    pub payments: u64,
    /// Suppliers.
    pub suppliers: u64,
}

/// What could not be placed, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DataQuality {
    /// Payments in the year.
    pub payments: u64,
    /// Negative payments.
    pub credit_notes: Finding,
    /// Payments to redacted names.
    pub redacted: Finding,
    /// Payments whose supplier is not in the register.
    pub unmatched: Finding,
    /// Suppliers with an unknown location, by reason.
    pub unknown_location: Vec<ReasonRow>,
    /// Suppliers located by a terminated postcode.
    pub terminated_postcodes: Finding,
    /// Local suppliers whose LSOA has no deprivation figure.
    pub no_deprivation_figure: Finding,
    /// Suppliers placed by a location override.
    pub overrides_applied: Finding,
    /// Lines with no amount left out at import (all years; set by the caller).
    pub blank_amount_lines_skipped: u64,
}

/// Every figure for one financial year.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct YearReport {
    /// `2019/20`.
    pub year: FinancialYear,
    /// Total spend.
    pub total_gbp: Gbp,
    /// Payments.
    pub payments: u64,
    /// Distinct suppliers paid (the redacted payee not counted).
    pub suppliers: u64,
    /// N of the top N.
    pub top_n: u64,
    /// Spend with the top N.
    pub top_n_gbp: Gbp,
    /// Its share of the total, %.
    pub top_n_share_pct: Option<Decimal>,
    /// By location class, all suppliers (shares of total spend).
    pub by_class: ByClass,
    /// By location class, the top N (shares of the top N's spend).
    pub top_n_by_class: ByClass,
    /// Local spend in the most deprived LSOAs (shares of local spend).
    pub deprived_local: DeprivedLocal,
    /// The same for the top N.
    pub top_n_deprived_local: DeprivedLocal,
    /// Local spend by ward, largest first (shares of local spend).
    pub by_ward: Vec<WardRow>,
    /// The same for the top N.
    pub top_n_by_ward: Vec<WardRow>,
    /// By distance band (shares of total spend).
    pub by_distance: Vec<DistanceRow>,
    /// With SMEs.
    pub sme: FlagShare,
    /// With VCSEs.
    pub vcse: FlagShare,
    /// The top N suppliers.
    pub top_suppliers: Vec<TopSupplier>,
    /// What could not be placed.
    pub data_quality: DataQuality,
}

/// `part / whole × 100`, to 2 decimal places (half-even); `None` when the
/// whole is zero.
pub fn percent(part: i64, whole: i64) -> Option<Decimal> {
    if whole == 0 {
        return None;
    }
    let v = Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole);
    let mut v = v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointNearestEven);
    // Always two places, as documented: "0.00", "50.00", not "0", "50".
    v.rescale(2);
    Some(v)
}

#[derive(Default, Clone, Copy)]
struct Acc {
    pence: i64,
    suppliers: u64,
    payments: u64,
}

impl Acc {
    fn add(&mut self, pence: i64, payments: u32) {
        self.pence += pence;
        self.suppliers += 1;
        self.payments += u64::from(payments);
    }
    fn gs(self, whole: i64) -> GbpSuppliers {
        GbpSuppliers {
            gbp: Gbp::from_pence(self.pence),
            suppliers: self.suppliers,
            share_pct: percent(self.pence, whole),
        }
    }
    fn finding(self) -> Finding {
        Finding {
            gbp: Gbp::from_pence(self.pence),
            payments: self.payments,
            suppliers: self.suppliers,
        }
    }
}

struct Breakdown {
    by_class: ByClass,
    deprived: DeprivedLocal,
    wards: Vec<WardRow>,
}

fn breakdown(
    members: &[u32],
    payees: &[Payee],
    pence: &[i64],
    locs: &[PayeeLocation],
) -> Breakdown {
    let mut class = [Acc::default(); 4];
    let mut dep = [Acc::default(); 3];
    let mut wards: BTreeMap<&str, (&str, Acc)> = BTreeMap::new();
    for &p in members {
        let (amt, l) = (pence[p as usize], &locs[p as usize].location);
        class[l.class as usize].add(amt, 0);
        // The redacted payee is not a supplier: its £ counts, not its head.
        class[l.class as usize].suppliers -= u64::from(payees[p as usize].redacted);
        if l.class == LocationClass::Local {
            for (i, b) in DeprivedBand::ALL.into_iter().enumerate() {
                if l.band.is_some_and(|x| x <= b) {
                    dep[i].add(amt, 0);
                }
            }
            let w = wards
                .entry(l.ward.as_deref().unwrap_or(""))
                .or_insert((l.ward_name.as_deref().unwrap_or(""), Acc::default()));
            w.1.add(amt, 0);
        }
    }
    let total: i64 = class.iter().map(|a| a.pence).sum();
    let local = class[0].pence;
    let mut wards: Vec<WardRow> = wards
        .into_iter()
        .map(|(w, (n, a))| WardRow {
            ward: w.to_string(),
            ward_name: n.to_string(),
            gbp: Gbp::from_pence(a.pence),
            suppliers: a.suppliers,
            share_pct: percent(a.pence, local),
        })
        .collect();
    wards.sort_by(|a, b| b.gbp.cmp(&a.gbp).then_with(|| a.ward.cmp(&b.ward)));
    Breakdown {
        by_class: ByClass {
            local: class[0].gs(total),
            region: class[1].gs(total),
            outside: class[2].gs(total),
            unknown: class[3].gs(total),
        },
        deprived: DeprivedLocal {
            p1: dep[0].gs(local),
            p10: dep[1].gs(local),
            p20: dep[2].gs(local),
        },
        wards,
    }
}

fn build_report(
    t: &SpendTotals<'_>,
    y: usize,
    locs: &[PayeeLocation],
    opts: &AnalysisOptions,
) -> YearReport {
    let (pence, rows) = (&t.pence[y], &t.rows[y]);
    let paid: Vec<u32> = (0..t.payees.len() as u32)
        .filter(|&p| rows[p as usize] > 0)
        .collect();
    let total: i64 = paid.iter().map(|&p| pence[p as usize]).sum();
    let payments: u64 = paid.iter().map(|&p| u64::from(rows[p as usize])).sum();
    let ranked = ranked(t, &paid, pence);
    let suppliers = ranked.len() as u64;
    let top: Vec<u32> = ranked.iter().copied().take(opts.top_n).collect();
    let top_gbp: i64 = top.iter().map(|&p| pence[p as usize]).sum();

    let all = breakdown(&paid, &t.payees, pence, locs);
    let topb = breakdown(&top, &t.payees, pence, locs);
    let (sme, vcse) = flags(t, &paid, pence, rows, total);

    YearReport {
        year: t.years[y],
        total_gbp: Gbp::from_pence(total),
        payments,
        suppliers,
        top_n: top.len() as u64,
        top_n_gbp: Gbp::from_pence(top_gbp),
        top_n_share_pct: percent(top_gbp, total),
        by_class: all.by_class,
        top_n_by_class: topb.by_class,
        deprived_local: all.deprived,
        top_n_deprived_local: topb.deprived,
        by_ward: all.wards,
        top_n_by_ward: topb.wards,
        by_distance: by_distance(t, &paid, pence, locs, &opts.distance_bands_km, total),
        sme,
        vcse,
        top_suppliers: top_suppliers(t, &top, pence, locs),
        data_quality: data_quality(t, y, &paid, locs, payments),
    }
}

/// The payees paid in the year other than the redacted one, most £ first
/// (then by name, then by id, so that ties rank the same every time).
fn ranked(t: &SpendTotals<'_>, paid: &[u32], pence: &[i64]) -> Vec<u32> {
    let mut ranked: Vec<u32> = paid
        .iter()
        .copied()
        .filter(|&p| !t.payees[p as usize].redacted)
        .collect();
    ranked.sort_by(|&a, &b| {
        pence[b as usize]
            .cmp(&pence[a as usize])
            .then_with(|| t.payees[a as usize].name.cmp(&t.payees[b as usize].name))
            .then(a.cmp(&b))
    });
    ranked
}

/// Spend by distance band (`bands` are the upper bounds in km), then
/// beyond the last band, then distance unknown.
fn by_distance(
    t: &SpendTotals<'_>,
    paid: &[u32],
    pence: &[i64],
    locs: &[PayeeLocation],
    bands: &[u32],
    total: i64,
) -> Vec<DistanceRow> {
    let mut dist = vec![Acc::default(); bands.len() + 2];
    for &p in paid {
        let i = match locs[p as usize].location.distance_km {
            None => bands.len() + 1,
            Some(d) => bands
                .iter()
                .position(|&b| d < f64::from(b))
                .unwrap_or(bands.len()),
        };
        dist[i].add(pence[p as usize], 0);
        // As in the class breakdown: the redacted payee's £ counts, but it
        // is not a supplier (counting it made "unknown" one more than the
        // year's suppliers).
        dist[i].suppliers -= u64::from(t.payees[p as usize].redacted);
    }
    let mut lower = 0;
    let mut by_distance = Vec::new();
    for (i, a) in dist.iter().enumerate() {
        let band = if i < bands.len() {
            let s = format!("{lower}-{} km", bands[i]);
            lower = bands[i];
            s
        } else if i == bands.len() {
            format!("{lower}+ km")
        } else {
            "unknown".to_string()
        };
        by_distance.push(DistanceRow {
            band,
            gbp: Gbp::from_pence(a.pence),
            suppliers: a.suppliers,
            share_pct: percent(a.pence, total),
        });
    }
    by_distance
}

/// Spend with suppliers the register flags as SMEs and as VCSEs, and with
/// those it does not say of (the redacted payee is neither).
fn flags(
    t: &SpendTotals<'_>,
    paid: &[u32],
    pence: &[i64],
    rows: &[u32],
    total: i64,
) -> (FlagShare, FlagShare) {
    let (mut sme, mut sme_unknown, mut vcse, mut vcse_unknown) = (
        Acc::default(),
        Acc::default(),
        Acc::default(),
        Acc::default(),
    );
    for &p in paid {
        let (amt, n) = (pence[p as usize], rows[p as usize]);
        let payee = &t.payees[p as usize];
        if payee.redacted {
            continue;
        }
        let s = payee.supplier.map(|s| &t.register.suppliers()[s as usize]);
        match s.and_then(|s| s.sme) {
            Some(true) => sme.add(amt, n),
            Some(false) => {}
            None => sme_unknown.add(amt, n),
        }
        match s.and_then(|s| s.vcse) {
            Some(true) => vcse.add(amt, n),
            Some(false) => {}
            None => vcse_unknown.add(amt, n),
        }
    }
    (
        FlagShare {
            yes: sme.gs(total),
            unknown: sme_unknown.gs(total),
        },
        FlagShare {
            yes: vcse.gs(total),
            unknown: vcse_unknown.gs(total),
        },
    )
}

/// What could not be matched, placed or counted in year `y`, of its
/// `payments`.
fn data_quality(
    t: &SpendTotals<'_>,
    y: usize,
    paid: &[u32],
    locs: &[PayeeLocation],
    payments: u64,
) -> DataQuality {
    let (pence, rows) = (&t.pence[y], &t.rows[y]);
    let (mut redacted, mut unmatched, mut term, mut nodep, mut over) = (
        Acc::default(),
        Acc::default(),
        Acc::default(),
        Acc::default(),
        Acc::default(),
    );
    let mut reasons: BTreeMap<&str, Acc> = BTreeMap::new();
    for &p in paid {
        let (amt, n) = (pence[p as usize], rows[p as usize]);
        let payee = &t.payees[p as usize];
        let pl = &locs[p as usize];
        if payee.redacted {
            redacted.add(amt, n);
        } else if payee.supplier.is_none() {
            unmatched.add(amt, n);
        }
        if let Some(r) = &pl.location.unknown_reason {
            reasons.entry(r.as_str()).or_default().add(amt, n);
        }
        if pl.location.terminated {
            term.add(amt, n);
        }
        if pl.location.class == LocationClass::Local && !pl.location.deprivation_known {
            nodep.add(amt, n);
        }
        if pl.override_reason.is_some() {
            over.add(amt, n);
        }
    }
    let (cn, cp) = t.credit_notes[y];
    let mut redacted_f = redacted.finding();
    redacted_f.suppliers = 0;
    DataQuality {
        payments,
        credit_notes: Finding {
            gbp: Gbp::from_pence(cp),
            payments: cn,
            suppliers: 0,
        },
        redacted: redacted_f,
        unmatched: unmatched.finding(),
        unknown_location: reasons
            .into_iter()
            .map(|(r, a)| ReasonRow {
                reason: r.to_string(),
                gbp: Gbp::from_pence(a.pence),
                payments: a.payments,
                suppliers: if r == "redacted" { 0 } else { a.suppliers },
            })
            .collect(),
        terminated_postcodes: term.finding(),
        no_deprivation_figure: nodep.finding(),
        overrides_applied: over.finding(),
        ..Default::default()
    }
}

/// The top suppliers, ranked, with where they are.
fn top_suppliers(
    t: &SpendTotals<'_>,
    top: &[u32],
    pence: &[i64],
    locs: &[PayeeLocation],
) -> Vec<TopSupplier> {
    top.iter()
        .enumerate()
        .map(|(i, &p)| {
            let payee = &t.payees[p as usize];
            let l = &locs[p as usize].location;
            TopSupplier {
                rank: i as u32 + 1,
                supplier: payee.name.clone(),
                supplier_id: payee
                    .supplier
                    .and_then(|s| t.register.suppliers()[s as usize].id.clone()),
                gbp: Gbp::from_pence(pence[p as usize]),
                class: l.class,
                postcode: l.postcode.clone(),
                ward: l.ward.clone(),
            }
        })
        .collect()
}

/// Year-on-year change of every figure: `this − previous` for each amount,
/// count and percentage (percentage points), matching list entries by
/// `ward`, `band` or `reason`. Names and codes are not differenced.
pub fn change(this: &YearReport, previous: &YearReport) -> serde_json::Value {
    let a = serde_json::to_value(this).expect("serialisable");
    let b = serde_json::to_value(previous).expect("serialisable");
    let mut out = diff(&a, &b).unwrap_or(serde_json::Value::Null);
    if let Some(o) = out.as_object_mut() {
        o.remove("top_suppliers");
        o.remove("year");
    }
    out
}

fn diff(a: &serde_json::Value, b: &serde_json::Value) -> Option<serde_json::Value> {
    use serde_json::Value as V;
    match (a, b) {
        (V::Number(x), V::Number(y)) => Some(V::from(x.as_i64()? - y.as_i64()?)),
        (V::String(x), V::String(y)) => {
            let (x, y) = (x.parse::<Decimal>().ok()?, y.parse::<Decimal>().ok()?);
            Some(V::String((x - y).to_string()))
        }
        (V::String(x), V::Null) => x.parse::<Decimal>().ok().map(|x| V::String(x.to_string())),
        (V::Null, V::String(y)) => y
            .parse::<Decimal>()
            .ok()
            .map(|y| V::String((-y).to_string())),
        (V::Object(x), V::Object(y)) => {
            let mut o = serde_json::Map::new();
            for (k, va) in x {
                let vb = y.get(k).unwrap_or(&V::Null);
                if let Some(d) = diff(va, vb) {
                    o.insert(k.clone(), d);
                }
            }
            Some(V::Object(o))
        }
        (V::Object(x), V::Null) => {
            let empty = V::Object(x.iter().map(|(k, v)| (k.clone(), zero_like(v))).collect());
            diff(a, &empty)
        }
        (V::Array(x), V::Array(y)) => {
            let key = ["ward", "band", "reason"]
                .into_iter()
                .find(|k| x.iter().chain(y).all(|e| e.get(k).is_some()))?;
            let mut keys: Vec<&V> = x.iter().chain(y).filter_map(|e| e.get(key)).collect();
            keys.sort_by_key(|k| k.to_string());
            keys.dedup();
            let find = |v: &'_ [V], k: &V| {
                v.iter()
                    .find(|e| e.get(key) == Some(k))
                    .cloned()
                    .unwrap_or(V::Null)
            };
            let mut out = Vec::new();
            for k in keys {
                let (ea, eb) = (find(x, k), find(y, k));
                let (ea, eb) = match (&ea, &eb) {
                    (V::Null, V::Object(o)) => (
                        V::Object(o.iter().map(|(k, v)| (k.clone(), zero_like(v))).collect()),
                        eb.clone(),
                    ),
                    _ => (ea.clone(), eb.clone()),
                };
                if let Some(V::Object(mut d)) = diff(&ea, &eb) {
                    d.insert(key.to_string(), k.clone());
                    out.push(V::Object(d));
                }
            }
            Some(V::Array(out))
        }
        _ => None,
    }
}

fn zero_like(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as V;
    match v {
        V::Number(_) => V::from(0),
        V::String(s) if s.parse::<Decimal>().is_ok() => V::String("0".into()),
        V::Object(o) => V::Object(o.iter().map(|(k, v)| (k.clone(), zero_like(v))).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percentages_have_two_places() {
        let cases = [
            (0, 7, Some("0.00")),
            (1, 2, Some("50.00")),
            (7, 7, Some("100.00")),
            (1, 3, Some("33.33")),
            (1, 8, Some("12.50")),
            (1, 0, None),
        ];
        for (part, whole, want) in cases {
            assert_eq!(
                percent(part, whole).map(|p| p.to_string()).as_deref(),
                want,
                "{part}/{whole}"
            );
        }
    }
}
