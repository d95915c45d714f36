//! A delivery return checked, stored and reviewed: the one validation
//! the pages and the API share (on any problem nothing is saved and no
//! evidence file is kept), and the return and evidence in the URL as the
//! caller may see them.

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use socval_core::evidence::{self, Checked, Kind};
use socval_store::Role;
use socval_store::delivery::evidence::{EvidenceDir, Stored};
use socval_store::delivery::{DeliveryReturn, LineStatus, NewEvidence, NewLine, NewReturn, Review};
use socval_store::procurement::Contract;

use crate::auth::Ctx;
use crate::contract::{self, periods_due};
use crate::error::AppError;
use crate::limit::{MAX_LONG_TEXT, too_long};
use crate::state::AppState;

/// A return as submitted, before checks.
#[derive(Debug, Default)]
pub(crate) struct Submission {
    /// Contract year and quarter, if given.
    pub period: Option<(i64, i64)>,
    /// The narrative.
    pub narrative: String,
    /// (measure, units as typed), in order.
    pub units: Vec<(String, String)>,
    /// (file name, content).
    pub files: Vec<(String, Bytes)>,
}

/// How each kind of field is named in messages: pages and API differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Page,
    Api,
}

/// A problem with a submission: the field (page id or API field) and the
/// message.
pub(crate) type Problems = Vec<(String, String)>;

fn add(p: &mut Problems, field: String, message: String) {
    p.push((field, message));
}

/// Checks a submission against the contract; nothing is written.
fn check(
    k: &Contract,
    sub: &Submission,
    returned: &[(i64, i64)],
    today: time::Date,
    limit: usize,
    form: Form,
) -> Result<(NewReturn, Vec<Checked>), Problems> {
    let mut problems: Problems = Vec::new();
    check_period(k, sub.period, returned, today, form, &mut problems);
    let (cy, q) = sub.period.unwrap_or((0, 0));
    let lines = check_lines(k, &sub.units, form, &mut problems);
    if lines.is_empty()
        && problems
            .iter()
            .all(|(f, _)| !f.contains("units") && !f.contains("lines"))
    {
        add(
            &mut problems,
            if form == Form::Page { "units" } else { "lines" }.into(),
            "Enter the units delivered for at least one measure".into(),
        );
    }
    let mut files = Vec::new();
    for (i, (name, bytes)) in sub.files.iter().enumerate() {
        let field = match form {
            Form::Page => "evidence".to_owned(),
            Form::Api => format!("evidence[{i}]"),
        };
        match evidence::check(name, bytes, limit) {
            Ok(c) => files.push(c),
            Err(e) => add(&mut problems, field, format!("{e}")),
        }
    }
    if let Some(message) = too_long("Narrative", sub.narrative.trim(), MAX_LONG_TEXT) {
        add(&mut problems, "narrative".into(), message);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((
        NewReturn {
            contract_id: k.id,
            supplier_id: k.supplier_id,
            contract_year: cy,
            quarter: q,
            narrative: sub.narrative.trim().to_owned(),
            lines,
            evidence: Vec::new(),
        },
        files,
    ))
}

/// The period: given, within the contract, ended, and not yet returned.
fn check_period(
    k: &Contract,
    period: Option<(i64, i64)>,
    returned: &[(i64, i64)],
    today: time::Date,
    form: Form,
    problems: &mut Problems,
) {
    let (period_field, cy_field) = match form {
        Form::Page => ("period", "period"),
        Form::Api => ("quarter", "contract_year"),
    };
    match period {
        None => add(
            problems,
            period_field.into(),
            "Select the period the return is for".into(),
        ),
        Some((cy, _)) if cy < 1 || cy > k.years => add(
            problems,
            cy_field.into(),
            format!(
                "Contract year {cy} is outside the contract (a year from 1 to {})",
                k.years
            ),
        ),
        Some((_, q)) if !(1..=4).contains(&q) => add(
            problems,
            period_field.into(),
            format!("Quarter {q} is not a quarter (1, 2, 3 or 4)"),
        ),
        Some((cy, q)) => {
            let due = periods_due(k, &[], today);
            if !due.iter().any(|(c, qq, _)| (*c, *qq) == (cy, q)) {
                add(
                    problems,
                    period_field.into(),
                    format!(
                        "Y{cy} Q{q} has not ended yet: a return can be submitted once its quarter is over"
                    ),
                );
            } else if returned.contains(&(cy, q)) {
                add(
                    problems,
                    period_field.into(),
                    format!(
                        "Contract {} already has a return for Y{cy} Q{q}: a period is reported once",
                        k.reference
                    ),
                );
            }
        }
    }
}

/// The units per measure: measures of the contract, each once, numbers
/// of 0 or more.
fn check_lines(
    k: &Contract,
    units: &[(String, String)],
    form: Form,
    problems: &mut Problems,
) -> Vec<NewLine> {
    let mut measures: Vec<&str> = Vec::new();
    for c in &k.commitments {
        if !measures.contains(&c.measure.as_str()) {
            measures.push(&c.measure);
        }
    }
    let mut lines = Vec::new();
    for (i, (measure, text)) in units.iter().enumerate() {
        let (mf, uf) = match form {
            Form::Page => ("units".to_owned(), "units".to_owned()),
            Form::Api => (format!("lines[{i}].measure"), format!("lines[{i}].units")),
        };
        let Some(code) = measures
            .iter()
            .find(|m| m.eq_ignore_ascii_case(measure.trim()))
        else {
            add(
                problems,
                mf,
                format!(
                    "{:?} is not a measure of contract {} (accepted: {})",
                    measure,
                    k.reference,
                    measures.join(", ")
                ),
            );
            continue;
        };
        if text.trim().is_empty() {
            if form == Form::Api {
                add(
                    problems,
                    uf,
                    format!("Enter the units delivered for {code}"),
                );
            }
            continue;
        }
        match socval_core::portfolio::parse_units(text) {
            Ok(units) => {
                if lines.iter().any(|l: &NewLine| l.measure == *code) {
                    add(
                        problems,
                        mf,
                        format!("{code} is reported twice: one line per measure"),
                    );
                } else {
                    lines.push(NewLine {
                        measure: (*code).to_owned(),
                        units,
                    });
                }
            }
            Err(why) => add(
                problems,
                uf,
                format!(
                    "Units for {code}: {text:?} {why} (a number of 0 or more, such as 12 or 0.5)"
                ),
            ),
        }
    }
    lines
}

/// Why a submission failed.
pub(crate) enum SubmitError {
    /// The submission is wrong; nothing was saved.
    Invalid(Problems),
    /// Something else.
    App(AppError),
}

impl From<AppError> for SubmitError {
    fn from(e: AppError) -> Self {
        SubmitError::App(e)
    }
}

/// Checks, stores the evidence, records the return — or, on any problem,
/// leaves no file and no row.
pub(crate) async fn submit(
    state: &AppState,
    ctx: &Ctx,
    k: &Contract,
    sub: Submission,
    form: Form,
) -> Result<DeliveryReturn, SubmitError> {
    let access = ctx.org()?;
    if access.role != Role::Supplier {
        return Err(AppError::Forbidden.into());
    }
    let returned: Vec<(i64, i64)> = state
        .store
        .contract_returns(k.id)
        .await
        .map_err(AppError::from)?
        .iter()
        .map(|r| (r.contract_year, r.quarter))
        .collect();
    let today = state.now().date();
    let (mut new, checked) = check(
        k,
        &sub,
        &returned,
        today,
        state.config.max_evidence_bytes,
        form,
    )
    .map_err(SubmitError::Invalid)?;
    let dir = EvidenceDir::new(&state.config.data_dir);
    let files: Vec<Bytes> = sub.files.into_iter().map(|(_, b)| b).collect();
    let store_dir = dir.clone();
    let stored: Vec<Stored> = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        for b in &files {
            match store_dir.put(b) {
                Ok(s) => out.push(s),
                Err(e) => {
                    forget(&store_dir, &out);
                    return Err(e);
                }
            }
        }
        Ok(out)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e| AppError::Internal(format!("cannot store evidence: {e}")))?;
    new.evidence = stored
        .iter()
        .zip(&checked)
        .map(|(s, c)| NewEvidence {
            sha256: s.sha256.clone(),
            size_bytes: s.size_bytes,
            media_type: c.kind.media_type().to_owned(),
            filename: c.name.clone(),
        })
        .collect();
    match state
        .store
        .submit_return(&ctx.actor()?, state.now(), &new)
        .await
    {
        Ok(r) => Ok(r),
        Err(e) => {
            // Remove what this request wrote, unless another return refers
            // to the same content meanwhile.
            let mut mine = Vec::new();
            for s in stored.iter().filter(|s| s.created) {
                if !state.store.evidence_in_use(&s.sha256).await.unwrap_or(true) {
                    mine.push(s.clone());
                }
            }
            let _ = tokio::task::spawn_blocking(move || forget(&dir, &mine)).await;
            Err(match e {
                socval_store::Error::Conflict { detail } => SubmitError::Invalid(vec![(
                    if form == Form::Page {
                        "period"
                    } else {
                        "quarter"
                    }
                    .into(),
                    detail,
                )]),
                socval_store::Error::Invalid { detail } => {
                    let (f, m) = detail.split_once(": ").unwrap_or(("lines", &detail));
                    SubmitError::Invalid(vec![(f.to_owned(), m.to_owned())])
                }
                other => SubmitError::App(other.into()),
            })
        }
    }
}

/// Removes files this request created.
fn forget(dir: &EvidenceDir, stored: &[Stored]) {
    for s in stored.iter().filter(|s| s.created) {
        if let Err(e) = dir.remove(&s.sha256) {
            tracing::warn!(error = %e, "could not remove evidence of a refused return");
        }
    }
}

/// The return in the URL, checked to be the contract's.
pub(crate) async fn load_return(
    state: &AppState,
    ctx: &Ctx,
    contract: &str,
    id: &str,
) -> Result<(Contract, DeliveryReturn), AppError> {
    let k = contract::load(state, ctx, contract).await?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let r = state.store.delivery_return(id).await?;
    if r.contract_id != k.id {
        return Err(AppError::NotFound);
    }
    Ok((k, r))
}

/// Checks and records a review; `Err` names the field.
pub(crate) async fn review(
    state: &AppState,
    ctx: &Ctx,
    r: &DeliveryReturn,
    line: &str,
    decision: &str,
    comment: &str,
) -> Result<socval_store::delivery::ReturnLine, SubmitError> {
    let line_id: i64 = line.parse().map_err(|_| AppError::NotFound)?;
    if !r.lines.iter().any(|l| l.id == line_id) {
        return Err(AppError::NotFound.into());
    }
    let status = match decision {
        "verified" | "verify" => LineStatus::Verified,
        "rejected" | "reject" => LineStatus::Rejected,
        "pending" => LineStatus::Pending,
        other => {
            return Err(SubmitError::Invalid(vec![(
                "decision".into(),
                format!("{other:?} is not a decision: choose verified or rejected"),
            )]));
        }
    };
    if let Some(message) = too_long("Comment", comment, MAX_LONG_TEXT) {
        return Err(SubmitError::Invalid(vec![("comment".into(), message)]));
    }
    if status == LineStatus::Rejected && comment.trim().is_empty() {
        return Err(SubmitError::Invalid(vec![(
            "comment".into(),
            "Say why the line is rejected: the supplier reads the comment".into(),
        )]));
    }
    let review = Review {
        status,
        comment: comment.to_owned(),
    };
    state
        .store
        .review_line(&ctx.actor()?, state.now(), line_id, &review)
        .await
        .map_err(|e| match e {
            socval_store::Error::Invalid { detail } => {
                SubmitError::Invalid(vec![("comment".into(), detail)])
            }
            other => SubmitError::App(other.into()),
        })
}

pub(crate) async fn serve_evidence(
    state: &AppState,
    ctx: &Ctx,
    contract: &str,
    id: &str,
    file: &str,
) -> Result<Response, AppError> {
    let (_, r) = load_return(state, ctx, contract, id).await?;
    let file: i64 = file.parse().map_err(|_| AppError::NotFound)?;
    let Some(ev) = r.evidence.iter().find(|e| e.id == file).cloned() else {
        return Err(AppError::NotFound);
    };
    let dir = EvidenceDir::new(&state.config.data_dir);
    let sha = ev.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || dir.read(&sha))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Internal(format!("evidence {} missing: {e}", ev.sha256)))?;
    let media = Kind::from_media_type(&ev.media_type)
        .map(Kind::media_type)
        .unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, media.to_owned()),
            (header::CONTENT_DISPOSITION, disposition(&ev.filename)),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `attachment` with an ASCII fallback name and the exact name (RFC 6266).
fn disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn downloads_are_attachments_with_safe_names() {
        assert_eq!(
            disposition("hours.pdf"),
            "attachment; filename=\"hours.pdf\"; filename*=UTF-8''hours.pdf"
        );
        let d = disposition("Zoë's \"plan\".pdf");
        assert!(
            d.starts_with("attachment; filename=\"Zo_'s _plan_.pdf\""),
            "{d}"
        );
        assert!(
            d.contains("filename*=UTF-8''Zo%C3%AB%27s%20%22plan%22.pdf"),
            "{d}"
        );
    }
}
