//! The one set of formatters for money, percentages, dates and RAG status,
//! as pages, CSV exports and the API show them. Each says where it is
//! used: the same figure is written differently for a person, a
//! spreadsheet and a program.

use socval_core::contract::Rag;
use socval_core::{Decimal, Gbp};
use time::OffsetDateTime;

/// `£1,234` for pages (exact sums, shown to the pound).
pub(crate) fn pounds(g: Gbp) -> String {
    g.display_whole_pounds()
}

/// `£1,234.50` for pages: a price or value stored in pence.
pub(crate) fn pounds_pence(pence: i64) -> String {
    Gbp::from_pence(pence).display_pounds()
}

/// `1234.50` for the API: pounds and pence from pence, no `£` or
/// separators.
pub(crate) fn decimal_pounds(pence: i64) -> String {
    format!("{:.2}", Gbp::from_pence(pence).amount())
}

/// `£1,234.50`, or "not priced" for a figure with no value.
pub(crate) fn pounds_or_unpriced(g: Option<Gbp>) -> String {
    g.map(|g| g.display_pounds())
        .unwrap_or_else(|| "not priced".into())
}

/// A proxy for people: `£26,273.47`, or every decimal place of a
/// multiplier such as `£0.5229` (rounding it to the penny would mislead).
pub(crate) fn proxy_pounds(g: Gbp) -> String {
    let a = g.amount().normalize();
    if a.scale() > 2 {
        format!("£{a}")
    } else {
        g.display_pounds()
    }
}

/// Money for CSV: pounds and pence, no `£` or separators (spreadsheets
/// read it as a number).
pub(crate) fn csv_pounds(g: Gbp) -> String {
    g.round_pence().amount().to_string()
}

/// A progress percentage to one decimal place, or "nothing due yet".
pub(crate) fn progress(p: Option<Decimal>) -> String {
    p.map(|p| format!("{}%", p.round_dp(1)))
        .unwrap_or_else(|| "nothing due yet".into())
}

/// A percentage for people: one decimal place, no trailing zeros (the
/// exact figure is in the API and the audit log).
pub(crate) fn percent(p: Decimal) -> String {
    format!("{}%", p.round_dp(1).normalize())
}

/// `red`, `amber`, `green`, or `none`.
pub(crate) fn rag_text(r: Option<Rag>) -> &'static str {
    match r {
        Some(Rag::Red) => "red",
        Some(Rag::Amber) => "amber",
        Some(Rag::Green) => "green",
        None => "none",
    }
}

/// `2026-02-01 12:00 UTC` for pages.
pub(crate) fn when(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{} {:02}:{:02} UTC",
        socval_store::procurement::date_text(t.date()),
        t.hour(),
        t.minute()
    )
}

/// RFC 3339 for the API and CSV exports.
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
