//! The procurement and market intelligence section (paragraphs 2.22–2.30):
//! total spend, the top N, graphs 1–4 and year on year, from the analyses
//! of `socval-spend`.

use rust_decimal::Decimal;
use socval_core::{FinancialYear, Gbp};
use socval_spend::{ByClass, DeprivedLocal, GbpSuppliers, ImportInfo, WardRow, YearReport};

use crate::build::{Inputs, Sources, SpendInput};
use crate::model::{Block, Cell, Chart, Kind, Row, Section, Series, Table, col, row};
use crate::total::*;

/// The analyses of a year and its comparison year, with where they came from.
#[derive(Clone, Debug)]
pub struct SpendAnalysis {
    /// The year reported.
    pub this: YearReport,
    /// The comparison year, if asked for.
    pub previous: Option<YearReport>,
    /// Where the figures came from.
    pub provenance: SpendProvenance,
}

/// Where the spend figures came from, for the footnotes and methods.
#[derive(Clone, Debug, Default)]
pub struct SpendProvenance {
    /// The data directory's spend area.
    pub store: String,
    /// The imports read.
    pub imports: Vec<ImportInfo>,
    /// Suppliers in the register.
    pub suppliers: usize,
    /// Location overrides.
    pub overrides: usize,
    /// What "local" means (`Rotherham (E08000018); region scr-ca ...`).
    pub local_definition: String,
    /// The deprivation file and its LSOA vintage, if imported.
    pub imd: Option<String>,
    /// The postcode directory's files, if imported.
    pub postcode_directory: Option<String>,
    /// Top N.
    pub top_n: usize,
    /// The organisation whose own spend area was read (`--org`), if any.
    pub org: Option<String>,
}

fn m(g: Gbp) -> Cell {
    Cell::money(g)
}

fn pct(p: Option<Decimal>) -> Cell {
    Cell::percent_opt(p)
}

fn change_pct(now: Gbp, before: Gbp) -> Cell {
    if before.is_zero() {
        Cell::Empty
    } else {
        Cell::percent_opt(socval_core::percent_of(
            minus(now, before).amount(),
            before.amount(),
        ))
    }
}

/// Short money for chart descriptions and paragraphs: `£351.2m`, `£40k`.
pub(crate) fn short_money(g: Gbp) -> String {
    let a = g.amount();
    let abs = a.abs();
    let sign = if a.is_sign_negative() && !a.is_zero() {
        "-"
    } else {
        ""
    };
    if abs >= Decimal::from(1_000_000_000) {
        format!(
            "{sign}£{}bn",
            (abs / Decimal::from(1_000_000_000)).round_dp(2).normalize()
        )
    } else if abs >= Decimal::from(1_000_000) {
        format!(
            "{sign}£{}m",
            (abs / Decimal::from(1_000_000)).round_dp(1).normalize()
        )
    } else if abs >= Decimal::from(1_000) {
        format!(
            "{sign}£{}k",
            (abs / Decimal::from(1_000)).round_dp(0).normalize()
        )
    } else {
        format!("{sign}£{}", abs.round_dp(0).normalize())
    }
}

fn classes(c: &ByClass) -> [(&'static str, &'static str, &GbpSuppliers); 4] {
    [
        ("local", "Local", &c.local),
        ("region", "Rest of the region", &c.region),
        ("outside", "Outside the region", &c.outside),
        ("unknown", "Location unknown", &c.unknown),
    ]
}

fn bands(d: &DeprivedLocal) -> [(&'static str, &'static str, &GbpSuppliers); 3] {
    [
        ("p1", "Most deprived 1%", &d.p1),
        ("p10", "Most deprived 10%", &d.p10),
        ("p20", "Most deprived 20%", &d.p20),
    ]
}

/// A table of £, share and suppliers per group for the year and the
/// previous year, and its chart.
#[allow(clippy::too_many_arguments)]
fn grouped(
    id: &str,
    chart_id: &str,
    title: &str,
    share_title: &str,
    groups: Vec<(String, String, GbpSuppliers, Option<GbpSuppliers>)>,
    this: FinancialYear,
    prev: Option<FinancialYear>,
    src: &[String],
    notes: Vec<String>,
) -> (Table, Chart) {
    let mut columns = vec![
        col("group", "Group", Kind::Text),
        col("gbp", &format!("{this} (£)"), Kind::Money),
        col(
            "share_pct",
            &format!("{this} {share_title} (%)"),
            Kind::Percent,
        ),
        col("suppliers", &format!("{this} suppliers"), Kind::Number),
    ];
    if let Some(p) = prev {
        columns.push(col("prev_gbp", &format!("{p} (£)"), Kind::Money));
        columns.push(col(
            "prev_share_pct",
            &format!("{p} {share_title} (%)"),
            Kind::Percent,
        ));
        columns.push(col(
            "prev_suppliers",
            &format!("{p} suppliers"),
            Kind::Number,
        ));
        columns.push(col("change_gbp", "Change (£)", Kind::Money));
        columns.push(col("change_pct", "Change (%)", Kind::Percent));
    }
    let rows: Vec<Row> = groups
        .iter()
        .map(|(key, name, g, pg)| {
            let mut cells = vec![
                Cell::text(name),
                m(g.gbp),
                pct(g.share_pct),
                Cell::count(g.suppliers),
            ];
            if prev.is_some() {
                let pg = pg.clone().unwrap_or_default();
                cells.extend([
                    m(pg.gbp),
                    pct(pg.share_pct),
                    Cell::count(pg.suppliers),
                    m(minus(g.gbp, pg.gbp)),
                    change_pct(g.gbp, pg.gbp),
                ]);
            }
            row(key.clone(), cells)
        })
        .collect();
    let mut series = vec![Series {
        name: this.to_string(),
        values: groups
            .iter()
            .map(|g| g.2.gbp.round_pence().amount())
            .collect(),
    }];
    if let Some(p) = prev {
        series.push(Series {
            name: p.to_string(),
            values: groups
                .iter()
                .map(|g| {
                    g.3.as_ref()
                        .map(|x| x.gbp.round_pence().amount())
                        .unwrap_or_default()
                })
                .collect(),
        });
    }
    let categories: Vec<String> = groups.iter().map(|g| g.1.clone()).collect();
    let description = describe(title, &categories, &series);
    let table = Table {
        id: id.into(),
        title: title.into(),
        columns,
        rows,
        notes,
        sources: src.to_vec(),
        html_rows: None,
    };
    let chart = Chart {
        id: chart_id.into(),
        title: title.into(),
        description,
        table: id.into(),
        categories,
        series,
        kind: Kind::Money,
        sources: src.to_vec(),
    };
    (table, chart)
}

/// A sentence per category with every series' value, for screen readers.
fn describe(title: &str, categories: &[String], series: &[Series]) -> String {
    let mut s = format!("Bar chart: {title}. ");
    if categories.is_empty() {
        s.push_str("No data.");
        return s;
    }
    let parts: Vec<String> = categories
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let vals: Vec<String> = series
                .iter()
                .map(|se| format!("{} in {}", short_money(Gbp::new(se.values[i])), se.name))
                .collect();
            format!("{c}: {}", vals.join(", "))
        })
        .collect();
    s.push_str(&parts.join("; "));
    s.push('.');
    s
}

fn wards(
    this: &[WardRow],
    prev: Option<&[WardRow]>,
) -> Vec<(String, String, GbpSuppliers, Option<GbpSuppliers>)> {
    let gs = |w: &WardRow| GbpSuppliers {
        gbp: w.gbp,
        suppliers: w.suppliers,
        share_pct: w.share_pct,
    };
    let name = |w: &WardRow| {
        if w.ward.is_empty() {
            "Ward not known".to_string()
        } else if w.ward_name.is_empty() {
            w.ward.clone()
        } else {
            w.ward_name.clone()
        }
    };
    let mut out: Vec<(String, String, GbpSuppliers, Option<GbpSuppliers>)> = this
        .iter()
        .map(|w| {
            let key = if w.ward.is_empty() {
                "unknown".to_string()
            } else {
                w.ward.clone()
            };
            (
                key,
                name(w),
                gs(w),
                prev.map(|p| {
                    p.iter()
                        .find(|x| x.ward == w.ward)
                        .map(gs)
                        .unwrap_or_default()
                }),
            )
        })
        .collect();
    // Wards with spend only in the previous year still appear (with £0 now).
    if let Some(p) = prev {
        for w in p {
            if !this.iter().any(|x| x.ward == w.ward) {
                let key = if w.ward.is_empty() {
                    "unknown".to_string()
                } else {
                    w.ward.clone()
                };
                out.push((key, name(w), GbpSuppliers::default(), Some(gs(w))));
            }
        }
    }
    out
}

/// A chart and its data table; a chart with nothing to draw (no group, or
/// every value £0) is replaced by a notice saying so, and the table stays.
fn push_chart(blocks: &mut Vec<Block>, chart: Chart, table: Table) {
    let empty = chart.categories.is_empty()
        || chart
            .series
            .iter()
            .all(|s| s.values.iter().all(|v| v.is_zero()));
    if empty {
        blocks.push(Block::Notice {
            text: format!(
                "{} is not drawn: {} (see the spend data quality table for why spend could not be placed).",
                chart.title.split(':').next().unwrap_or("The chart"),
                if chart.categories.is_empty() {
                    "there is nothing to show in any year"
                } else {
                    "every value is £0 in every year"
                }
            ),
        });
    } else {
        blocks.push(Block::Chart(chart));
    }
    blocks.push(Block::Table(table));
}

/// The spend section.
pub(crate) fn spend_section(inputs: &Inputs<'_>, sources: &mut Sources) -> Section {
    let title = "Procurement and market intelligence".to_string();
    let a = match &inputs.spend {
        SpendInput::Missing(reason) => {
            return Section {
                id: "spend".into(),
                title,
                blocks: vec![Block::Notice {
                    text: reason.clone(),
                }],
            };
        }
        SpendInput::Analysed(a) => a,
    };
    let (t, p) = (&a.this, a.previous.as_ref());
    let prov = &a.provenance;
    let n = t.top_n;
    let imports: Vec<String> = prov
        .imports
        .iter()
        .map(|i| {
            format!(
                "{} ({} payments, sha256 {}…)",
                i.source,
                i.rows,
                &i.sha256[..i.sha256.len().min(12)]
            )
        })
        .collect();
    let org_arg = prov
        .org
        .as_ref()
        .map(|o| format!(" --org {o}"))
        .unwrap_or_default();
    let mut src = vec![sources.add(format!(
        "{} payment(s) dated in {} from {} import(s) in {}: {}. Query: socval spend analyse{} --year {} --top {}. Supplier register: {} supplier(s), {} override(s).",
        t.payments,
        t.year,
        prov.imports.len(),
        prov.store,
        imports.join("; "),
        org_arg,
        t.year,
        prov.top_n,
        prov.suppliers,
        prov.overrides
    ))];
    if let Some(p) = p {
        src.push(sources.add(format!(
            "{} payment(s) dated in {} from the same imports. Query: socval spend analyse{} --year {} --compare {}.",
            p.payments, p.year, org_arg, t.year, p.year
        )));
    }
    src.push(sources.add(format!(
        "Supplier locations: {}; deprivation: {}; local: {}.",
        prov.postcode_directory.as_deref().unwrap_or("no postcode directory imported"),
        prov.imd.as_deref().unwrap_or("no deprivation file imported"),
        prov.local_definition
    )));
    let py = p.map(|p| p.year);
    let mut blocks = Vec::new();

    // The summary paragraph of 2.22.
    let mut text = format!(
        "In {} the organisation spent {} with {} suppliers ({} payments).",
        t.year,
        short_money(t.total_gbp),
        crate::html::number(Decimal::from(t.suppliers)),
        crate::html::number(Decimal::from(t.payments))
    );
    if let Some(p) = p {
        let d = minus(t.total_gbp, p.total_gbp);
        text.push_str(&format!(
            " That is {} {} than in {}{}.",
            short_money(Gbp::new(d.amount().abs())),
            if d.is_negative() { "less" } else { "more" },
            p.year,
            change_pct(t.total_gbp, p.total_gbp)
                .decimal()
                .map(|c| format!(" ({}%)", c.abs().round_dp(1).normalize()))
                .unwrap_or_default()
        ));
    }
    text.push_str(&format!(
        " The top {} suppliers took {}{}.",
        n,
        short_money(t.top_n_gbp),
        t.top_n_share_pct
            .map(|s| format!(", {}% of the total", s.round_dp(1).normalize()))
            .unwrap_or_default()
    ));
    blocks.push(Block::Paragraph {
        text,
        sources: src.clone(),
    });
    if prov.suppliers == 0 {
        blocks.push(Block::Notice {
            text: "No supplier register has been imported (socval spend suppliers import FILE), so no supplier has a postcode: every supplier's location is unknown and graphs 1–4 cannot place spend locally, in the region or in deprived areas. Published payment files do not carry suppliers' postcodes.".into(),
        });
    }
    if t.payments == 0 {
        blocks.push(Block::Notice {
            text: format!(
                "No imported payment is dated in {}: every figure below is zero.",
                t.year
            ),
        });
    }

    // Summary table.
    let summary_groups: Vec<(String, String, GbpSuppliers, Option<GbpSuppliers>)> = {
        let total = |r: &YearReport| GbpSuppliers {
            gbp: r.total_gbp,
            suppliers: r.suppliers,
            share_pct: Some(Decimal::ONE_HUNDRED.round_dp(2)),
        };
        let top = |r: &YearReport| GbpSuppliers {
            gbp: r.top_n_gbp,
            suppliers: r.top_n,
            share_pct: r.top_n_share_pct,
        };
        vec![
            (
                "total".into(),
                "All suppliers".into(),
                total(t),
                p.map(total),
            ),
            (
                "top_n".into(),
                format!("Top {n} suppliers"),
                top(t),
                p.map(top),
            ),
            (
                "sme".into(),
                "SMEs (flagged in the register)".into(),
                t.sme.yes.clone(),
                p.map(|p| p.sme.yes.clone()),
            ),
            (
                "vcse".into(),
                "VCSEs (flagged in the register)".into(),
                t.vcse.yes.clone(),
                p.map(|p| p.vcse.yes.clone()),
            ),
        ]
    };
    let (summary, _) = grouped(
        "spend_summary",
        "",
        &format!("Spend with third-party suppliers, {}", t.year),
        "share of total",
        summary_groups,
        t.year,
        py,
        &src,
        vec![format!(
            "The top {n} are the {n} suppliers with the most spend in each year."
        )],
    );
    blocks.push(Block::Table(summary));

    // Graph 1 and 2: by location.
    let by_class = |c: &ByClass,
                    pc: Option<&ByClass>|
     -> Vec<(String, String, GbpSuppliers, Option<GbpSuppliers>)> {
        classes(c)
            .into_iter()
            .enumerate()
            .map(|(i, (k, name, g))| {
                (
                    k.to_string(),
                    name.to_string(),
                    g.clone(),
                    pc.map(|pc| classes(pc)[i].2.clone()),
                )
            })
            .collect()
    };
    let (t1, c1) = grouped(
        "graph1_all_by_location",
        "graph1",
        &format!("Graph 1: spend with all suppliers by location, {}", t.year),
        "share of total",
        by_class(&t.by_class, p.map(|p| &p.by_class)),
        t.year,
        py,
        &src,
        vec![format!("Local: {}.", prov.local_definition)],
    );
    push_chart(&mut blocks, c1, t1);
    let (t2, c2) = grouped(
        "graph2_top_by_location",
        "graph2",
        &format!(
            "Graph 2: spend with the top {n} suppliers by location, {}",
            t.year
        ),
        "share of top",
        by_class(&t.top_n_by_class, p.map(|p| &p.top_n_by_class)),
        t.year,
        py,
        &src,
        vec![],
    );
    push_chart(&mut blocks, c2, t2);

    // Graph 3: most deprived areas (top N, as the council's graph), and all suppliers.
    let dep = |d: &DeprivedLocal,
               pd: Option<&DeprivedLocal>|
     -> Vec<(String, String, GbpSuppliers, Option<GbpSuppliers>)> {
        bands(d)
            .into_iter()
            .enumerate()
            .map(|(i, (k, name, g))| {
                (
                    k.to_string(),
                    name.to_string(),
                    g.clone(),
                    pd.map(|pd| bands(pd)[i].2.clone()),
                )
            })
            .collect()
    };
    let dep_note = "Local spend with suppliers whose postcode is in the nationally most deprived LSOAs (IMD rank); the groups nest (the 10% includes the 1%). It is about where suppliers are, not where services are delivered.".to_string();
    let (t3, c3) = grouped(
        "graph3_top_deprived",
        "graph3",
        &format!(
            "Graph 3: local spend in the most deprived areas, top {n} suppliers, {}",
            t.year
        ),
        "share of local",
        dep(&t.top_n_deprived_local, p.map(|p| &p.top_n_deprived_local)),
        t.year,
        py,
        &src,
        vec![dep_note.clone()],
    );
    push_chart(&mut blocks, c3, t3);
    let (t3a, _) = grouped(
        "deprived_all",
        "",
        &format!(
            "Local spend in the most deprived areas, all suppliers, {}",
            t.year
        ),
        "share of local",
        dep(&t.deprived_local, p.map(|p| &p.deprived_local)),
        t.year,
        py,
        &src,
        vec![dep_note],
    );
    blocks.push(Block::Table(t3a));

    // Graph 4: local spend by ward (top N), and all suppliers.
    let (t4, c4) = grouped(
        "graph4_top_by_ward",
        "graph4",
        &format!(
            "Graph 4: local spend by ward, top {n} suppliers, {}",
            t.year
        ),
        "share of local",
        wards(&t.top_n_by_ward, p.map(|p| p.top_n_by_ward.as_slice())),
        t.year,
        py,
        &src,
        vec![
            "Wards are those of the supplier's postcode in the imported postcode directory.".into(),
        ],
    );
    push_chart(&mut blocks, c4, t4);
    let (t4a, _) = grouped(
        "wards_all",
        "",
        &format!("Local spend by ward, all suppliers, {}", t.year),
        "share of local",
        wards(&t.by_ward, p.map(|p| p.by_ward.as_slice())),
        t.year,
        py,
        &src,
        vec![],
    );
    blocks.push(Block::Table(t4a));

    // Top suppliers.
    blocks.push(Block::Table(Table {
        id: "top_suppliers".into(),
        title: format!("The top {n} suppliers, {}", t.year),
        columns: vec![
            col("rank", "Rank", Kind::Number),
            col("supplier", "Supplier", Kind::Text),
            col("supplier_id", "Supplier id", Kind::Text),
            col("gbp", "Spend (£)", Kind::Money),
            col("location", "Location", Kind::Text),
            col("postcode", "Postcode", Kind::Text),
            col("ward", "Ward", Kind::Text),
        ],
        rows: t
            .top_suppliers
            .iter()
            .map(|s| {
                row(
                    s.rank.to_string(),
                    vec![
                        Cell::count(u64::from(s.rank)),
                        Cell::text(&s.supplier),
                        Cell::text(s.supplier_id.clone().unwrap_or_default()),
                        m(s.gbp),
                        Cell::text(s.class.name()),
                        Cell::text(s.postcode.clone().unwrap_or_default()),
                        Cell::text(s.ward.clone().unwrap_or_default()),
                    ],
                )
            })
            .collect(),
        notes: vec![],
        sources: src.clone(),
        html_rows: Some(20),
    }));

    // Data quality.
    let dq = &t.data_quality;
    let mut q: Vec<(String, String, Gbp, u64, Option<u64>)> = vec![
        (
            "unmatched".into(),
            "Supplier not in the register".into(),
            dq.unmatched.gbp,
            dq.unmatched.payments,
            Some(dq.unmatched.suppliers),
        ),
        (
            "redacted".into(),
            "Redacted payee names".into(),
            dq.redacted.gbp,
            dq.redacted.payments,
            None,
        ),
        (
            "credit_notes".into(),
            "Credit notes (negative payments)".into(),
            dq.credit_notes.gbp,
            dq.credit_notes.payments,
            None,
        ),
    ];
    for u in &dq.unknown_location {
        q.push((
            format!("unknown_{}", u.reason.replace(' ', "_")),
            format!("Location unknown: {}", u.reason),
            u.gbp,
            u.payments,
            Some(u.suppliers),
        ));
    }
    q.push((
        "terminated".into(),
        "Located by a terminated postcode".into(),
        dq.terminated_postcodes.gbp,
        dq.terminated_postcodes.payments,
        Some(dq.terminated_postcodes.suppliers),
    ));
    q.push((
        "no_deprivation".into(),
        "Local, but no deprivation figure for the LSOA".into(),
        dq.no_deprivation_figure.gbp,
        dq.no_deprivation_figure.payments,
        Some(dq.no_deprivation_figure.suppliers),
    ));
    q.push((
        "overrides".into(),
        "Placed by a location override".into(),
        dq.overrides_applied.gbp,
        dq.overrides_applied.payments,
        Some(dq.overrides_applied.suppliers),
    ));
    let mut notes = vec![format!(
        "Share of total spend in {} ({}).",
        t.year,
        t.total_gbp.display_whole_pounds()
    )];
    if dq.blank_amount_lines_skipped > 0 {
        notes.push(format!(
            "{} imported line(s) had no amount and were skipped at import (all years).",
            dq.blank_amount_lines_skipped
        ));
    }
    blocks.push(Block::Table(Table {
        id: "spend_data_quality".into(),
        title: format!("Spend data quality, {}", t.year),
        columns: vec![
            col("finding", "Finding", Kind::Text),
            col("gbp", "Spend (£)", Kind::Money),
            col("share_pct", "Share of total (%)", Kind::Percent),
            col("payments", "Payments", Kind::Number),
            col("suppliers", "Suppliers", Kind::Number),
        ],
        rows: q
            .into_iter()
            .map(|(k, name, g, pay, sup)| {
                let share = if t.total_gbp.is_zero() {
                    Cell::Empty
                } else {
                    Cell::percent(g.amount() * Decimal::ONE_HUNDRED / t.total_gbp.amount())
                };
                row(
                    k,
                    vec![
                        Cell::text(name),
                        m(g),
                        share,
                        Cell::count(pay),
                        sup.map(Cell::count).unwrap_or(Cell::Empty),
                    ],
                )
            })
            .collect(),
        notes,
        sources: src,
        html_rows: None,
    }));
    Section {
        id: "spend".into(),
        title,
        blocks,
    }
}
