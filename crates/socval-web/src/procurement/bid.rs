//! Bids in the portal: an invited supplier submits its bid (price, quality
//! response reference, social value units per measure per contract year,
//! the qualitative document) and may revise it until the deadline; late
//! submissions are refused. Officers score opened bids (the form is on the procurement page; its
//! scores are read here). Documents are
//! served to the bidding supplier, and to the organisation's staff only
//! once the bids are open.

use std::str::FromStr;

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use socval_core::{Decimal, Gbp, limits};
use socval_store::procurement::{Bid, Commitment, NewBid, NewDocument, Procurement, Score};

use super::form::{positive_pence, store_refusal};
use super::visible::{load, load_bid};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::format::{pounds_pence, when};
use crate::html::{FormErrors, Page, render};
use crate::limit::{MAX_LONG_TEXT, MAX_SHORT_TEXT};
use crate::page::org_page;
use crate::state::AppState;

/// A bid as typed in the form or sent to the API.
#[derive(Clone, Debug, Default)]
pub(crate) struct BidInput {
    pub price: String,
    pub quality_reference: String,
    /// (measure, contract year, units as typed); empty units mean none.
    pub units: Vec<(String, String, String)>,
    /// The revision the form was showing (`0` for a new bid), to refuse a
    /// form submitted twice.
    pub revision_seen: Option<i64>,
    /// File name and bytes of the qualitative document.
    pub document: Option<(String, Vec<u8>)>,
}

/// Checks a bid against its procurement; every problem on its field
/// (`price`, `quality_reference`, `commitments`, `document`).
pub(crate) fn parse_bid(
    p: &Procurement,
    supplier_id: i64,
    input: &BidInput,
    first: bool,
    limit: usize,
) -> Result<NewBid, FormErrors> {
    let mut errors = FormErrors::default();
    let price = positive_pence(
        &mut errors,
        ("price", "Price"),
        &input.price,
        "99,500.00",
        "99,500.00",
    );
    if input.quality_reference.trim().is_empty() {
        errors.add(
            "quality_reference",
            "Enter the reference of your quality response",
        );
    } else {
        errors.check_length(
            "quality_reference",
            "Quality reference",
            input.quality_reference.trim(),
            MAX_SHORT_TEXT,
        );
    }
    let commitments = parse_commitments(&mut errors, p, &input.units);
    let document = match &input.document {
        Some((name, bytes)) => match socval_core::evidence::check(name, bytes, limit) {
            Ok(checked) => Some(NewDocument {
                filename: checked.name,
                content_type: checked.kind.media_type().to_owned(),
                bytes: bytes.clone(),
            }),
            Err(e) => {
                errors.add(
                    "document",
                    e.to_string()
                        .replace("accepted as evidence", "accepted for this document"),
                );
                None
            }
        },
        None => None,
    };
    if first && document.is_none() && p.sv_required && errors.get("document").is_none() {
        errors.add(
            "document",
            format!(
                "Attach your {} (PDF or office document)",
                p.evidence.label()
            ),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewBid {
        procurement_id: p.id,
        supplier_id,
        price_pence: price,
        quality_reference: input.quality_reference.trim().to_owned(),
        commitments,
        document,
    })
}

/// The units offered per measure and contract year; empty units are none.
fn parse_commitments(
    errors: &mut FormErrors,
    p: &Procurement,
    units: &[(String, String, String)],
) -> Vec<Commitment> {
    let mut commitments = Vec::new();
    for (measure, year, text) in units {
        if text.trim().is_empty() {
            continue;
        }
        let Some(code) = p
            .measures
            .iter()
            .find(|m| m.eq_ignore_ascii_case(measure.trim()))
        else {
            errors.add(
                "commitments",
                format!(
                    "Measure {:?} is not one this procurement offers ({})",
                    measure.trim(),
                    p.measures.join(", ")
                ),
            );
            continue;
        };
        let year = match year.trim().parse::<i64>() {
            Ok(y) if (1..=p.contract_years).contains(&y) => y,
            _ => {
                errors.add(
                    "commitments",
                    format!(
                        "{code}: contract year {:?} is not from 1 to {}",
                        year.trim(),
                        p.contract_years
                    ),
                );
                continue;
            }
        };
        match socval_core::portfolio::parse_units(text) {
            Ok(u) => {
                if commitments
                    .iter()
                    .any(|c: &Commitment| c.measure == *code && c.contract_year == year)
                {
                    errors.add(
                        "commitments",
                        format!("{code} contract year {year} is given twice: give it once"),
                    );
                } else {
                    commitments.push(Commitment {
                        measure: code.clone(),
                        contract_year: year,
                        units: u,
                    });
                }
            }
            Err(problem) => {
                // A number is shown as typed, anything else quoted.
                let t = text.trim();
                let what = match problem {
                    limits::NOT_A_NUMBER => {
                        format!("{t:?} is not a number: enter units like 2 or 2.5")
                    }
                    limits::UNITS_NEGATIVE => format!("{t} is negative: enter 0 or more"),
                    p => format!("{t} {p}"),
                };
                errors.add(
                    "commitments",
                    format!("Units for {code} in contract year {year}: {what}"),
                );
            }
        }
    }
    commitments
}

/// Outcome of [`save_bid`].
pub(crate) enum Saved {
    Bid(Box<Bid>),
    Refused(FormErrors),
}

/// Submits or revises the caller's own bid.
pub(crate) async fn save_bid(
    state: &AppState,
    ctx: &Ctx,
    p: &Procurement,
    input: &BidInput,
    revise: Option<i64>,
) -> Result<Saved, AppError> {
    let access = ctx.org()?;
    let supplier_id = access.supplier_id.ok_or(AppError::Forbidden)?;
    let now = state.now();
    let existing = match state.store.supplier_bid(p.id, supplier_id).await {
        Ok(b) => Some(b),
        Err(socval_store::Error::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    if let Some(seen) = input.revision_seen {
        let current = existing.as_ref().map(|b| b.revision).unwrap_or(0);
        if seen != current {
            let mut errors = FormErrors::default();
            errors.add(
                "price",
                match &existing {
                    Some(b) => format!(
                        "Your bid was already submitted (revision {}, {}): this form was sent twice or is out of date. Nothing was changed: check your bid below and submit again to revise it",
                        b.revision,
                        when(b.updated_at)
                    ),
                    None => "This form is out of date: reload the page".to_owned(),
                },
            );
            return Ok(Saved::Refused(errors));
        }
    }
    let new = match parse_bid(
        p,
        supplier_id,
        input,
        existing.is_none(),
        state.config.max_upload_bytes,
    ) {
        Ok(n) => n,
        Err(errors) => return Ok(Saved::Refused(errors)),
    };
    let fields = &["deadline", "price", "commitments", "document", "supplier"];
    let result = match (revise, &existing) {
        (Some(id), _) => state.store.revise_bid(&ctx.actor()?, now, id, &new).await,
        (None, Some(b)) if input.revision_seen.is_some() => {
            state.store.revise_bid(&ctx.actor()?, now, b.id, &new).await
        }
        (None, _) => state.store.submit_bid(&ctx.actor()?, now, &new).await,
    };
    match result {
        Ok(b) => Ok(Saved::Bid(Box::new(b))),
        Err(socval_store::Error::NotFound { .. }) => Err(AppError::NotFound),
        Err(e) => {
            let mut errors = store_refusal(e, fields)?;
            // Late bids are a property of the form as a whole: show them
            // on the price, the first field.
            if let Some(fe) = errors.0.iter_mut().find(|fe| fe.field == "deadline") {
                fe.field = "price";
            }
            Ok(Saved::Refused(errors))
        }
    }
}

struct GridRow {
    code: String,
    title: String,
    unit: String,
    cells: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "bid.html")]
struct SupplierPage {
    page: Page,
    slug: String,
    p: Procurement,
    state_now: String,
    value: String,
    deadline: String,
    evidence: String,
    accepts: bool,
    years: Vec<i64>,
    grid: Vec<GridRow>,
    price: String,
    quality_reference: String,
    revision: i64,
    bid: Option<Bid>,
    bid_price: String,
    bid_updated: String,
    errors: FormErrors,
}

/// The procurement as an invited supplier sees it, with its own bid and
/// the form to submit or revise it.
pub(crate) async fn supplier_page(
    state: &AppState,
    ctx: &Ctx,
    p: Procurement,
    errors: FormErrors,
    typed: Option<BidInput>,
) -> Result<Response, AppError> {
    let access = ctx.org()?.clone();
    let supplier_id = access.supplier_id.ok_or(AppError::NotFound)?;
    let now = state.now();
    let bid = match state.store.supplier_bid(p.id, supplier_id).await {
        Ok(b) => Some(b),
        Err(socval_store::Error::NotFound { .. }) => None,
        Err(e) => return Err(e.into()),
    };
    let rec = state.store.framework(p.framework_id).await?;
    let fw = crate::framework::parsed(&rec).await?;
    let years: Vec<i64> = (1..=p.contract_years).collect();
    let cell = |code: &str, y: i64| -> String {
        if let Some(t) = &typed {
            return t
                .units
                .iter()
                .find(|(m, yr, _)| m == code && yr == &y.to_string())
                .map(|(_, _, u)| u.clone())
                .unwrap_or_default();
        }
        bid.as_ref()
            .and_then(|b| {
                b.commitments
                    .iter()
                    .find(|c| c.measure == code && c.contract_year == y)
            })
            .map(|c| c.units.to_string())
            .unwrap_or_default()
    };
    let grid = p
        .measures
        .iter()
        .map(|code| {
            let found = fw.find(code);
            GridRow {
                code: code.clone(),
                title: found
                    .as_ref()
                    .map(|f| f.measure.title.clone())
                    .unwrap_or_default(),
                unit: found
                    .as_ref()
                    .map(|f| f.measure.unit.label().to_owned())
                    .unwrap_or_default(),
                cells: years
                    .iter()
                    .map(|y| (format!("units.{code}.{y}"), cell(code, *y)))
                    .collect(),
            }
        })
        .collect();
    let (price, quality_reference) = match (&typed, &bid) {
        (Some(t), _) => (t.price.clone(), t.quality_reference.clone()),
        (None, Some(b)) => (
            Gbp::from_pence(b.price_pence).to_string(),
            b.quality_reference.clone(),
        ),
        (None, None) => (String::new(), String::new()),
    };
    let mut page = org_page(state, ctx, format!("{} {}", p.reference, p.title))?;
    page.has_errors = !errors.is_empty();
    let status = errors.status();
    let body = SupplierPage {
        page,
        slug: access.org.slug.clone(),
        state_now: p.state_at(now).to_string(),
        value: Gbp::from_pence(p.estimated_value_pence).display_whole_pounds(),
        deadline: when(p.deadline),
        evidence: p.evidence.label().to_owned(),
        accepts: p.accepts_bids_at(now),
        years,
        grid,
        price,
        quality_reference,
        revision: bid.as_ref().map(|b| b.revision).unwrap_or(0),
        bid_price: bid
            .as_ref()
            .map(|b| pounds_pence(b.price_pence))
            .unwrap_or_default(),
        bid_updated: bid.as_ref().map(|b| when(b.updated_at)).unwrap_or_default(),
        bid,
        errors,
        p,
    };
    Ok(render(status, &body))
}

/// Reads the bid form.
async fn read_form(mut form: Multipart, limit: usize) -> Result<BidInput, AppError> {
    let mut input = BidInput::default();
    while let Some(field) = form.next_field().await.map_err(AppError::from)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "document" {
            let filename = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(AppError::from)?;
            if bytes.len() > limit {
                return Err(AppError::TooLarge { limit });
            }
            if !filename.is_empty() || !bytes.is_empty() {
                input.document = Some((filename, bytes.to_vec()));
            }
            continue;
        }
        let value = field.text().await.unwrap_or_default();
        match name.as_str() {
            "price" => input.price = value,
            "quality_reference" => input.quality_reference = value,
            "revision" => input.revision_seen = value.trim().parse().ok(),
            other => {
                if let Some(rest) = other.strip_prefix("units.")
                    && let Some((measure, year)) = rest.rsplit_once('.')
                {
                    input
                        .units
                        .push((measure.to_owned(), year.to_owned(), value));
                }
            }
        }
    }
    Ok(input)
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    // The procurement first: for anyone not invited it does not exist,
    // whatever the body.
    let p = load(&state, &ctx, &id).await?;
    let form = crate::error::multipart(req).await?;
    let input = read_form(form, state.config.max_upload_bytes).await?;
    match save_bid(&state, &ctx, &p, &input, None).await? {
        Saved::Bid(_) => {
            let slug = &ctx.org()?.org.slug;
            Ok(
                Redirect::to(&format!("/orgs/{slug}/procurements/{}?saved=1", p.id))
                    .into_response(),
            )
        }
        Saved::Refused(errors) => supplier_page(&state, &ctx, p, errors, Some(input)).await,
    }
}

pub(crate) async fn document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((_, id, bid)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let p = load(&state, &ctx, &id).await?;
    let b = load_bid(&state, &ctx, &p, &bid).await?;
    let (info, bytes) = state.store.bid_document(b.id).await?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&info.content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    let name: String = info
        .filename
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .filter(|c| !matches!(c, '"' | '\\'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

/// Checks a score form: quality and qualitative scores 0–100.
pub(crate) fn parse_score(
    quality: &str,
    qualitative: &str,
    comment: &str,
) -> Result<Score, FormErrors> {
    let mut errors = FormErrors::default();
    let mut read = |field: &'static str, label: &str, text: &str| match Decimal::from_str(
        text.trim(),
    )
    .map_err(|_| limits::NOT_A_NUMBER)
    .and_then(socval_core::limits::check_percent)
    {
        Ok(d) => d,
        _ => {
            errors.add(
                    field,
                    format!(
                        "{label} {:?} must be a percentage from 0 to 100, with at most 4 decimal places",
                        text.trim()
                    ),
                );
            Decimal::ZERO
        }
    };
    let quality_score = read("quality_score", "Quality score", quality);
    let sv_qualitative_score = read(
        "sv_qualitative_score",
        "Qualitative social value score",
        qualitative,
    );
    errors.check_length("comment", "Comment", comment.trim(), MAX_LONG_TEXT);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Score {
        quality_score,
        sv_qualitative_score,
        comment: comment.trim().to_owned(),
    })
}
