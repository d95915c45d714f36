//! The procurement and market intelligence section (paragraphs 2.22–2.30):
//! total spend, the top N, graphs 1–4 and year on year, from the analyses
//! of `socval-spend`. Each table (and its graph) is built by its own
//! function from the year's [`YearReport`] and the comparison year's.

use rust_decimal::Decimal;
use socval_core::{FinancialYear, Gbp};
use socval_spend::{ByClass, DeprivedLocal, GbpSuppliers, WardRow, YearReport};

use crate::build::{Inputs, Sources, SpendAnalysis, SpendInput, SpendProvenance};
use crate::html::{number, short_money};
use crate::model::{Block, Cell, Chart, Column, Kind, Row, Section, Series, Table, col, row};
use crate::total::*;

/// A group of a grouped table: row key, name, this year's figures, the
/// previous year's (when compared).
type Group = (String, String, GbpSuppliers, Option<GbpSuppliers>);

/// The spend section.
pub(crate) fn section(inputs: &Inputs<'_>, sources: &mut Sources) -> Section {
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
    let src = spend_sources(a, sources);
    let years = Years {
        this: t.year,
        prev: p.map(|p| p.year),
        src: &src,
    };
    let mut blocks = vec![Block::Paragraph {
        text: summary_text(t, p),
        sources: src.clone(),
    }];
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
    blocks.push(Block::Table(years.summary(t, p)));
    years.by_location(&mut blocks, t, p, &prov.local_definition);
    years.deprived(&mut blocks, t, p);
    years.by_ward(&mut blocks, t, p);
    blocks.push(Block::Table(top_suppliers(t, src.clone())));
    blocks.push(Block::Table(data_quality(t, src)));
    Section {
        id: "spend".into(),
        title,
        blocks,
    }
}

/// The section's sources: the payments of each year and the imports they
/// came from (with the query that reproduces them), then what located the
/// suppliers.
fn spend_sources(a: &SpendAnalysis, sources: &mut Sources) -> Vec<String> {
    let (t, prov): (&YearReport, &SpendProvenance) = (&a.this, &a.provenance);
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
    if let Some(p) = &a.previous {
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
    src
}

/// The summary paragraph of 2.22.
fn summary_text(t: &YearReport, p: Option<&YearReport>) -> String {
    let mut text = format!(
        "In {} the organisation spent {} with {} suppliers ({} payments).",
        t.year,
        short_money(t.total_gbp),
        number(Decimal::from(t.suppliers)),
        number(Decimal::from(t.payments))
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
        t.top_n,
        short_money(t.top_n_gbp),
        t.top_n_share_pct
            .map(|s| format!(", {}% of the total", s.round_dp(1).normalize()))
            .unwrap_or_default()
    ));
    text
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

/// The fixed groups of `this` (classes, bands), each with the same group
/// of `prev`.
fn paired<T, const N: usize>(
    groups: impl Fn(&T) -> [(&'static str, &'static str, &GbpSuppliers); N],
    this: &T,
    prev: Option<&T>,
) -> Vec<Group> {
    groups(this)
        .into_iter()
        .enumerate()
        .map(|(i, (k, name, g))| {
            (
                k.to_string(),
                name.to_string(),
                g.clone(),
                prev.map(|p| groups(p)[i].2.clone()),
            )
        })
        .collect()
}

/// The wards of `this` with the same ward of `prev`, then the wards with
/// spend only in `prev`.
fn wards(this: &[WardRow], prev: Option<&[WardRow]>) -> Vec<Group> {
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
    let key = |w: &WardRow| {
        if w.ward.is_empty() {
            "unknown".to_string()
        } else {
            w.ward.clone()
        }
    };
    let mut out: Vec<Group> = this
        .iter()
        .map(|w| {
            (
                key(w),
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
                out.push((key(w), name(w), GbpSuppliers::default(), Some(gs(w))));
            }
        }
    }
    out
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

/// A chart and its data table; a chart with nothing to draw (no group, or
/// every value £0) is replaced by a notice saying so, and the table stays.
fn push_chart(blocks: &mut Vec<Block>, (table, chart): (Table, Chart)) {
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

/// What the grouped tables share: the year, the year compared with, and
/// the section's sources.
struct Years<'a> {
    this: FinancialYear,
    prev: Option<FinancialYear>,
    src: &'a [String],
}

impl Years<'_> {
    /// The columns of a grouped table: £, share and suppliers per year,
    /// and the change when compared.
    fn columns(&self, share_title: &str) -> Vec<Column> {
        let this = self.this;
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
        if let Some(p) = self.prev {
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
        columns
    }

    /// A grouped table's row.
    fn row(&self, (key, name, g, pg): &Group) -> Row {
        let mut cells = vec![
            Cell::text(name),
            m(g.gbp),
            pct(g.share_pct),
            Cell::count(g.suppliers),
        ];
        if self.prev.is_some() {
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
    }

    /// The bar chart of a grouped table: £ per group, a series per year.
    fn chart(&self, id: &str, chart_id: &str, title: &str, groups: &[Group]) -> Chart {
        let mut series = vec![Series {
            name: self.this.to_string(),
            values: groups
                .iter()
                .map(|g| g.2.gbp.round_pence().amount())
                .collect(),
        }];
        if let Some(p) = self.prev {
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
        Chart {
            id: chart_id.into(),
            title: title.into(),
            description,
            table: id.into(),
            categories,
            series,
            kind: Kind::Money,
            sources: self.src.to_vec(),
        }
    }

    /// A table of £, share and suppliers per group for the year and the
    /// previous year.
    fn table(
        &self,
        id: &str,
        title: &str,
        share_title: &str,
        groups: &[Group],
        notes: Vec<String>,
    ) -> Table {
        Table {
            id: id.into(),
            title: title.into(),
            columns: self.columns(share_title),
            rows: groups.iter().map(|g| self.row(g)).collect(),
            notes,
            sources: self.src.to_vec(),
            html_rows: None,
        }
    }

    /// [`Years::table`] and its chart.
    fn graph(
        &self,
        (id, chart_id): (&str, &str),
        title: &str,
        share_title: &str,
        groups: Vec<Group>,
        notes: Vec<String>,
    ) -> (Table, Chart) {
        (
            self.table(id, title, share_title, &groups, notes),
            self.chart(id, chart_id, title, &groups),
        )
    }

    /// All suppliers, the top N, SMEs and VCSEs.
    fn summary(&self, t: &YearReport, p: Option<&YearReport>) -> Table {
        let n = t.top_n;
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
        let groups: Vec<Group> = vec![
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
        ];
        self.table(
            "spend_summary",
            &format!("Spend with third-party suppliers, {}", t.year),
            "share of total",
            &groups,
            vec![format!(
                "The top {n} are the {n} suppliers with the most spend in each year."
            )],
        )
    }

    /// Graphs 1 and 2: spend by location, all suppliers and the top N.
    fn by_location(
        &self,
        blocks: &mut Vec<Block>,
        t: &YearReport,
        p: Option<&YearReport>,
        local_definition: &str,
    ) {
        push_chart(
            blocks,
            self.graph(
                ("graph1_all_by_location", "graph1"),
                &format!("Graph 1: spend with all suppliers by location, {}", t.year),
                "share of total",
                paired(classes, &t.by_class, p.map(|p| &p.by_class)),
                vec![format!("Local: {local_definition}.")],
            ),
        );
        push_chart(
            blocks,
            self.graph(
                ("graph2_top_by_location", "graph2"),
                &format!(
                    "Graph 2: spend with the top {} suppliers by location, {}",
                    t.top_n, t.year
                ),
                "share of top",
                paired(classes, &t.top_n_by_class, p.map(|p| &p.top_n_by_class)),
                vec![],
            ),
        );
    }

    /// Graph 3: local spend in the most deprived areas, top N (as the
    /// council's graph), and the table for all suppliers.
    fn deprived(&self, blocks: &mut Vec<Block>, t: &YearReport, p: Option<&YearReport>) {
        let note = "Local spend with suppliers whose postcode is in the nationally most deprived LSOAs (IMD rank); the groups nest (the 10% includes the 1%). It is about where suppliers are, not where services are delivered.".to_string();
        push_chart(
            blocks,
            self.graph(
                ("graph3_top_deprived", "graph3"),
                &format!(
                    "Graph 3: local spend in the most deprived areas, top {} suppliers, {}",
                    t.top_n, t.year
                ),
                "share of local",
                paired(
                    bands,
                    &t.top_n_deprived_local,
                    p.map(|p| &p.top_n_deprived_local),
                ),
                vec![note.clone()],
            ),
        );
        blocks.push(Block::Table(self.table(
            "deprived_all",
            &format!(
                "Local spend in the most deprived areas, all suppliers, {}",
                t.year
            ),
            "share of local",
            &paired(bands, &t.deprived_local, p.map(|p| &p.deprived_local)),
            vec![note],
        )));
    }

    /// Graph 4: local spend by ward, top N, and the table for all suppliers.
    fn by_ward(&self, blocks: &mut Vec<Block>, t: &YearReport, p: Option<&YearReport>) {
        push_chart(
            blocks,
            self.graph(
                ("graph4_top_by_ward", "graph4"),
                &format!(
                    "Graph 4: local spend by ward, top {} suppliers, {}",
                    t.top_n, t.year
                ),
                "share of local",
                wards(&t.top_n_by_ward, p.map(|p| p.top_n_by_ward.as_slice())),
                vec![
                    "Wards are those of the supplier's postcode in the imported postcode directory."
                        .into(),
                ],
            ),
        );
        blocks.push(Block::Table(self.table(
            "wards_all",
            &format!("Local spend by ward, all suppliers, {}", t.year),
            "share of local",
            &wards(&t.by_ward, p.map(|p| p.by_ward.as_slice())),
            vec![],
        )));
    }
}

/// The top N suppliers of the year, with where they are.
fn top_suppliers(t: &YearReport, src: Vec<String>) -> Table {
    Table {
        id: "top_suppliers".into(),
        title: format!("The top {} suppliers, {}", t.top_n, t.year),
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
                        Cell::text(s.class.as_str()),
                        Cell::text(s.postcode.clone().unwrap_or_default()),
                        Cell::text(s.ward.clone().unwrap_or_default()),
                    ],
                )
            })
            .collect(),
        notes: vec![],
        sources: src,
        html_rows: Some(20),
    }
}

/// A finding of the data quality table: row key, what, £, payments,
/// suppliers (where counted).
type QualityRow = (String, String, Gbp, u64, Option<u64>);

/// The findings of the year's data quality, in the table's order.
fn findings(t: &YearReport) -> Vec<QualityRow> {
    let dq = &t.data_quality;
    let mut q: Vec<QualityRow> = vec![
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
    for (key, name, f) in [
        (
            "terminated",
            "Located by a terminated postcode",
            &dq.terminated_postcodes,
        ),
        (
            "no_deprivation",
            "Local, but no deprivation figure for the LSOA",
            &dq.no_deprivation_figure,
        ),
        (
            "overrides",
            "Placed by a location override",
            &dq.overrides_applied,
        ),
    ] {
        q.push((
            key.into(),
            name.into(),
            f.gbp,
            f.payments,
            Some(f.suppliers),
        ));
    }
    q
}

/// Spend that could not be matched, placed or counted, and why.
fn data_quality(t: &YearReport, src: Vec<String>) -> Table {
    let dq = &t.data_quality;
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
    Table {
        id: "spend_data_quality".into(),
        title: format!("Spend data quality, {}", t.year),
        columns: vec![
            col("finding", "Finding", Kind::Text),
            col("gbp", "Spend (£)", Kind::Money),
            col("share_pct", "Share of total (%)", Kind::Percent),
            col("payments", "Payments", Kind::Number),
            col("suppliers", "Suppliers", Kind::Number),
        ],
        rows: findings(t)
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
    }
}
