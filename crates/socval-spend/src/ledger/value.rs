//! Dates and amounts as councils write them.

use socval_core::Gbp;
use time::{Date, Month};

/// Days from 1970-01-01 (the Parquet/Arrow `Date32` epoch).
pub(crate) fn days_since_epoch(d: Date) -> i32 {
    d.to_julian_day() - 2_440_588
}

/// The date for a `Date32` day number.
pub fn date_from_days(days: i32) -> Date {
    Date::from_julian_day(days + 2_440_588).expect("a Date32 within the supported range")
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// Reads the dates councils publish: `2019-04-01` (with or without a time),
/// `01/04/2019`, `1/4/2019`, `01-04-2019`, `01.04.2019`, `01/04/19`,
/// `01-Apr-2019`, `1 April 2019`. Day first: UK files never put the month
/// first.
pub fn parse_date(text: &str) -> Result<Date, &'static str> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the date is empty");
    }
    let b = t.as_bytes();
    // ISO, optionally followed by a time.
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        if b.len() > 10 && !matches!(b[10], b'T' | b' ') {
            return Err("not a date (accepted: 2019-04-01, 01/04/2019, 01-Apr-2019)");
        }
        let y = digits(&b[0..4]).ok_or("the year is not a number")?;
        let m = digits(&b[5..7]).ok_or("the month is not a number")?;
        let d = digits(&b[8..10]).ok_or("the day is not a number")?;
        return make_date(y, m, d);
    }
    let date_part = t.split(['T', ' ']).next().unwrap_or(t);
    let parts: Vec<&str> = if t.contains(['/', '.']) || t.matches('-').count() == 2 {
        date_part.split(['/', '-', '.']).collect()
    } else {
        t.split_whitespace().take(3).collect()
    };
    if parts.len() != 3 {
        return Err("not a date (accepted: 2019-04-01, 01/04/2019, 01-Apr-2019)");
    }
    let d = digits(parts[0].as_bytes())
        .filter(|_| parts[0].len() <= 2)
        .ok_or("the day is not a number")?;
    let m = match digits(parts[1].as_bytes()) {
        Some(m) if parts[1].len() <= 2 => m,
        Some(_) => return Err("the month is not a number"),
        None => {
            let lower = parts[1].to_ascii_lowercase();
            let pos = MONTHS.iter().position(|mn| {
                lower.len() >= 3 && lower.starts_with(mn) && mn.starts_with(&lower[..3])
            });
            pos.ok_or("the month is not a month name or number")? as i32 + 1
        }
    };
    let y = match (digits(parts[2].as_bytes()), parts[2].len()) {
        (Some(y), 4) => y,
        (Some(y), 2) => 2000 + y,
        _ => return Err("the year must have four (or two) digits"),
    };
    make_date(y, m, d)
}

fn digits(b: &[u8]) -> Option<i32> {
    if b.is_empty() || b.len() > 9 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0i32, |a, &c| a * 10 + i32::from(c - b'0')))
}

fn make_date(y: i32, m: i32, d: i32) -> Result<Date, &'static str> {
    if !(1990..=2099).contains(&y) {
        return Err("the year is out of range (1990-2099)");
    }
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or("there is no such month")?;
    let day = u8::try_from(d).map_err(|_| "there is no such day")?;
    let date = Date::from_calendar_date(y, month, day)
        .map_err(|_| "there is no such day in that month")?;
    // The financial years socval accepts (1990/91 to 2099/00).
    socval_core::limits::check_date(date)
}

/// Parses an amount to whole pence. A fast path handles plain `1234.56`;
/// anything else goes through [`Gbp::parse`] (`£`, separators, brackets).
pub fn parse_pence(text: &str) -> Result<i64, String> {
    let b = text.as_bytes();
    if let Some(p) = fast_pence(b) {
        return Ok(p);
    }
    let g = Gbp::parse(text).map_err(|e| e.reason.to_string())?;
    g.to_pence()
        .ok_or_else(|| "it has a fraction of a penny (or is too large)".to_string())
}

fn fast_pence(b: &[u8]) -> Option<i64> {
    let (neg, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, &b[..0]),
    };
    // Twelve digits of pounds stay under the limit of £10¹²
    // (`limits::MAX_AMOUNT`); longer numbers take the slow path, which
    // refuses what is past it.
    if int.is_empty()
        // Twelve digits of pounds; longer amounts take the general path,
        // which holds them to socval_core::limits::MAX_AMOUNT.
        || int.len() > 12
        || frac.len() > 2
        || (b.len() > int.len() && frac.is_empty())
    {
        return None;
    }
    let mut v: i64 = 0;
    for &c in int {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    let mut f: i64 = 0;
    for &c in frac {
        if !c.is_ascii_digit() {
            return None;
        }
        f = f * 10 + i64::from(c - b'0');
    }
    if frac.len() == 1 {
        f *= 10;
    }
    let p = v * 100 + f;
    Some(if neg { -p } else { p })
}
