//! The annual social value report in the portal (issue 6): the same report
//! as `socval report annual`, built from the organisation's contracts (the
//! commitments awarded in the year, valued at the year's proxies), their
//! verified delivery returns to date, and the small purchases of the year.
//! Every number links to the list of records it adds up (commitment rows
//! and return lines, each linking to its contract or return); spend figures
//! to a CSV of the payments they add up, small-purchase figures to the
//! purchases they count. Each table can be downloaded as CSV.
//!
//! The spend section reads the organisation's own spend area of the data
//! directory (`<data-dir>/spend/orgs/<slug>`, filled by
//! `socval spend import --org SLUG`), never the instance's shared one, with
//! `socval_report::spend_from_store`, the function `socval report annual`
//! uses.
//!
//! The figures are computed by `socval_report` from plain data; this module
//! only reads the store ([`ReportData::load`], also used by the CLI's
//! `socval report annual --org`).

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use socval_core::FinancialYear;
use socval_report::{
    HtmlOptions, PurchaseFilter, RecordKind, RecordQuery, Report, SpendQuery, Sums,
};
use socval_store::{Organisation, Role};

use socval_app::report::{ReportData, org_spend};

use crate::access::Access::{Public, Staff};
use crate::access::{Route, get};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::format::pounds_or_unpriced;
use crate::html::{Page, render};
use crate::page::org_page;
use crate::state::AppState;

/// The annual report's pages and downloads (viewer, officer, admin), and
/// its stylesheet.
pub(crate) fn routes() -> Vec<Route> {
    let viewer = Staff(Role::Viewer);
    vec![
        get("/reports/report.css", Public, css),
        get("/orgs/{org}/reports", viewer, index),
        get("/orgs/{org}/reports/{year}", viewer, page),
        get("/orgs/{org}/reports/{year}/records", viewer, records_page),
        get("/orgs/{org}/reports/{year}/report.json", viewer, json),
        get("/orgs/{org}/reports/{year}/report.xlsx", viewer, xlsx),
    ]
}

/// The year in a URL: `2019-20` (or `2019/20` encoded).
fn year_of(text: &str) -> Result<FinancialYear, AppError> {
    text.parse().map_err(|_| AppError::NotFound)
}

fn url_year(y: FinancialYear) -> String {
    y.to_string().replace('/', "-")
}

fn generated_by() -> String {
    format!("socval {} (portal)", env!("CARGO_PKG_VERSION"))
}

async fn load(state: &AppState, ctx: &Ctx, year: FinancialYear) -> Result<ReportData, AppError> {
    let org = ctx.org()?.org.clone();
    Ok(ReportData::load(&*state.store, &org, year, "the portal's database").await?)
}

async fn build(state: &AppState, ctx: &Ctx, year: FinancialYear) -> Result<Report, AppError> {
    let data = load(state, ctx, year).await?;
    let as_of = state.now().date();
    let data_dir = state.config.data_dir.clone();
    tokio::task::spawn_blocking(move || {
        let (spend, compare) = org_spend(&data_dir, data.org(), year)?;
        Ok(data.report(as_of, generated_by(), spend, compare, None)?)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
}

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        socval_report::HTML_CSS,
    )
        .into_response()
}

struct YearLink {
    year: String,
    url: String,
    contracts: usize,
    /// Payments imported into the organisation's spend area for the year.
    payments: u64,
}

#[derive(Template)]
#[template(path = "report_index.html")]
struct IndexPage {
    page: Page,
    years: Vec<YearLink>,
}

async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let org = ctx.org()?.org.clone();
    let mut years: Vec<(FinancialYear, usize)> = Vec::new();
    for k in state.store.contracts(org.id).await? {
        if let Ok(y) = k.valuation_year.parse::<FinancialYear>() {
            match years.iter_mut().find(|(x, _)| *x == y) {
                Some((_, n)) => *n += 1,
                None => years.push((y, 1)),
            }
        }
    }
    // Years with payments in the spend area have a report too (its spend
    // section), even without a contract valued in them.
    let store = socval_app::spend::area(&state.config.data_dir, &org);
    let imports = tokio::task::spawn_blocking(move || store.imports())
        .await
        .map_err(|e| AppError::Internal(format!("reading the spend area: {e}")))?
        .map_err(|e| AppError::Internal(format!("reading the spend area: {e}")))?;
    let payments = socval_spend::totals_by_year(&imports);
    for y in payments.keys() {
        if !years.iter().any(|(x, _)| x == y) {
            years.push((*y, 0));
        }
    }
    let this = FinancialYear::containing(state.now().date());
    if !years.iter().any(|(y, _)| *y == this) {
        years.push((this, 0));
    }
    years.sort_by_key(|y| std::cmp::Reverse(y.0));
    let body = IndexPage {
        page: org_page(&state, &ctx, "Annual social value report")?,
        years: years
            .into_iter()
            .map(|(y, n)| YearLink {
                year: y.to_string(),
                url: format!("/orgs/{}/reports/{}", org.slug, url_year(y)),
                contracts: n,
                payments: payments.get(&y).map_or(0, |t| t.rows),
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &body))
}

async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, year)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let org = ctx.org()?.org.clone();
    let mut report = build(&state, &ctx, year).await?;
    socval_report::link_records(&mut report);
    let base = format!("/orgs/{}/reports/{}", org.slug, url_year(year));
    let opts = HtmlOptions {
        records_base: Some(format!("{base}/records")),
        table_csv_base: Some(format!("{base}/records?table=")),
        nav: vec![
            (
                format!("/orgs/{}", org.slug),
                format!("Back to {}", org.name),
            ),
            (format!("/orgs/{}/reports", org.slug), "Other years".into()),
            (
                format!("/orgs/{}/spend", org.slug),
                "Spend: the payments files imported".into(),
            ),
            (
                format!("{base}/report.xlsx"),
                "Download XLSX (a sheet per table)".into(),
            ),
            (format!("{base}/report.json"), "Download JSON".into()),
        ],
        footer: Some(format!(
            "Built from the portal's records and {}'s own spend area on {}. Each number links to the records it adds up: contract figures to their commitment rows and return lines, small-purchase figures to the purchases, spend figures to a CSV of the payments (with each supplier's location). Changes between years, SME and VCSE shares and unknown locations by reason are not linked: their table's notes and the sources say where they come from.",
            org.name,
            state.now().date()
        )),
        stylesheet: Some("/reports/report.css".into()),
    };
    let html = socval_report::render_html_with(&report, &opts)
        .map_err(|e| AppError::Internal(format!("rendering the report: {e}")))?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

async fn json(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, year)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let report = build(&state, &ctx, year).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        socval_report::to_json(&report),
    )
        .into_response())
}

async fn xlsx(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, year)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let slug = ctx.org()?.org.slug.clone();
    let report = build(&state, &ctx, year).await?;
    let bytes = socval_report::to_xlsx(&report)
        .map_err(|e| AppError::Internal(format!("writing the workbook: {e}")))?;
    let name = format!("{slug}-social-value-{}.xlsx", url_year(year));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

struct RecordRow {
    kind: &'static str,
    contract_url: String,
    contract: String,
    return_url: Option<String>,
    measure: String,
    measure_title: String,
    period: String,
    units: String,
    counted: String,
    value: String,
    state: String,
    note: String,
}

#[derive(Template)]
#[template(path = "report_records.html")]
struct RecordsPage {
    page: Page,
    year: String,
    what: String,
    report_url: String,
    as_of: String,
    committed_units: String,
    committed: String,
    delivered_units: String,
    delivered: String,
    rows: Vec<RecordRow>,
}

/// Decodes a percent-encoded query value (`+` is a space).
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| char::from(c).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a records query asks for.
#[derive(Debug, PartialEq)]
enum Wanted {
    /// One table of the report as CSV (`?table=ID`).
    Table(String),
    /// The records, payments or purchases behind a figure.
    Records(RecordQuery),
}

fn pairs_of(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The query of the records page: a table (`?table=ID`), a contracts
/// filter (`all`, `measure`, `theme`, `category`, `contract`; none means
/// every record), payments (`spend=...`) or purchases (`purchases=...`,
/// `purchase=REF`), as `socval_report::RecordQuery` writes them.
fn wanted(query: Option<&str>) -> Result<Wanted, AppError> {
    let pairs = pairs_of(query);
    if let [(k, v)] = pairs.as_slice()
        && k == "table"
    {
        return Ok(Wanted::Table(v.clone()));
    }
    RecordQuery::from_pairs(&pairs)
        .map(Wanted::Records)
        .ok_or_else(|| {
            AppError::BadRequest(
                "say which records: ?all=1, ?measure=CODE, ?theme=CODE, ?category=NAME, ?contract=ID, ?table=ID, or a spend or purchases query as the report's links write them"
                    .into(),
            )
        })
}

/// The contracts filter of a records query (for the tests).
#[cfg(test)]
fn filter_of(query: Option<&str>) -> Result<socval_report::Filter, AppError> {
    match wanted(query)? {
        Wanted::Records(RecordQuery::Contracts(f)) => Ok(f),
        _ => Err(AppError::BadRequest("not a contracts filter".into())),
    }
}

fn csv_download(name: String, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The payments behind a spend figure of the report, as CSV.
async fn spend_records_csv(
    state: &AppState,
    org: Organisation,
    q: SpendQuery,
) -> Result<Response, AppError> {
    let slug = org.slug.clone();
    let data_dir = state.config.data_dir.clone();
    let name = format!(
        "{slug}-payments-{}.csv",
        RecordQuery::Spend(q.clone())
            .query()
            .split('&')
            .filter_map(|p| p.split_once('=').map(|(_, v)| v))
            .map(|v| {
                v.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("-")
    );
    let bytes = tokio::task::spawn_blocking(move || {
        let store = socval_app::spend::area(&data_dir, &org);
        if store
            .imports()
            .map_err(|e| AppError::Internal(e.to_string()))?
            .is_empty()
        {
            return Err(AppError::NotFound);
        }
        let settings = socval_app::report::area_settings(&store, q.year)?;
        socval_report::spend_payments_csv(&data_dir, &store, &settings, &q)
            .map(|(bytes, _, _)| bytes)
            .map_err(|e| AppError::Internal(format!("listing the payments: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    Ok(csv_download(name, bytes))
}

async fn records_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, year)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let year = year_of(&year)?;
    let org = ctx.org()?.org.clone();
    let slug = org.slug.clone();
    let filter = match wanted(query.as_deref())? {
        Wanted::Records(RecordQuery::Contracts(f)) => f,
        Wanted::Table(id) => {
            let report = build(&state, &ctx, year).await?;
            let t = report.table(&id).ok_or(AppError::NotFound)?;
            let bytes = socval_report::to_csv(t);
            let name = format!("{slug}-social-value-{}-{id}.csv", url_year(year));
            return Ok(csv_download(name, bytes));
        }
        Wanted::Records(RecordQuery::Purchases(y, f)) => {
            let to = match &f {
                PurchaseFilter::Reference(r) => {
                    let p = state
                        .store
                        .purchases(org.id)
                        .await?
                        .into_iter()
                        .find(|p| p.reference == *r && y.contains(p.purchase_date))
                        .ok_or(AppError::NotFound)?;
                    format!("/orgs/{slug}/purchases/{}", p.id)
                }
                f => format!(
                    "/orgs/{slug}/purchases?year={}&show={}",
                    url_year(y),
                    f.name().unwrap_or("all")
                ),
            };
            return Ok(Redirect::to(&to).into_response());
        }
        Wanted::Records(RecordQuery::Spend(q)) => return spend_records_csv(&state, org, q).await,
    };
    let data = load(&state, &ctx, year).await?;
    let as_of = state.now().date();
    let records = data.records(as_of, &filter);
    let sums = Sums::of(&records);
    let number = |d: socval_core::Decimal| d.normalize().to_string();
    let body = RecordsPage {
        page: org_page(&state, &ctx, format!("Records behind the report, {year}"))?,
        year: year.to_string(),
        what: filter.to_string(),
        report_url: format!("/orgs/{slug}/reports/{}", url_year(year)),
        as_of: as_of.to_string(),
        committed_units: number(sums.committed_units),
        committed: pounds_or_unpriced(sums.committed_gbp),
        delivered_units: number(sums.delivered_units),
        delivered: pounds_or_unpriced(sums.delivered_gbp),
        rows: records
            .iter()
            .map(|r| RecordRow {
                kind: match r.kind {
                    RecordKind::Commitment => "Commitment",
                    RecordKind::ReturnLine => "Return line",
                },
                contract_url: format!("/orgs/{slug}/contracts/{}", r.contract_id),
                contract: r.contract.clone(),
                return_url: r
                    .return_id
                    .map(|id| format!("/orgs/{slug}/contracts/{}/returns/{id}", r.contract_id)),
                measure: r.measure.clone(),
                measure_title: r.measure_title.clone(),
                period: match r.quarter {
                    Some(q) => format!("year {} quarter {q}", r.contract_year),
                    None => format!("year {}", r.contract_year),
                },
                units: number(r.units),
                counted: number(r.counted_units),
                value: r.value_gbp.map(|g| g.display_pounds()).unwrap_or_default(),
                state: r.state.map(|s| s.as_str().to_string()).unwrap_or_default(),
                note: r.note.clone().unwrap_or_default(),
            })
            .collect(),
    };
    Ok(render(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use socval_report::Filter;

    #[test]
    fn record_queries_read_one_filter() {
        assert_eq!(filter_of(Some("all=1")).unwrap(), Filter::All);
        assert_eq!(
            filter_of(Some("measure=R09")).unwrap(),
            Filter::Measure("R09".into())
        );
        assert_eq!(
            filter_of(Some("category=Rotherham%20Places")).unwrap(),
            Filter::Category("Rotherham Places".into())
        );
        assert_eq!(
            filter_of(Some("contract=12")).unwrap(),
            Filter::Contract(12)
        );
        assert_eq!(filter_of(None).unwrap(), Filter::All);
        assert_eq!(filter_of(Some("")).unwrap(), Filter::All);
        for bad in [
            Some("contract=x"),
            Some("colour=red"),
            Some("all=1&measure=R09"),
        ] {
            assert!(filter_of(bad).is_err(), "{bad:?}");
        }
        // What the report writes, the page reads back.
        for f in [
            Filter::All,
            Filter::Theme("JOBS".into()),
            Filter::Category("A & B/C".into()),
        ] {
            assert_eq!(filter_of(Some(&f.query())).unwrap(), f);
        }
    }
}
