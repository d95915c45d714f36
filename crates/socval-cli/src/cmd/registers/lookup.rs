//! `socval registers lookup`.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use socval_register::{Charity, CharityNumber, Company, CompanyNumber, Edition, Registers};

use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Look company and charity numbers up in the imported registers.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Each number is normalised as the registers write it (8911274 -> 08911274,
sc 12345 -> SC012345, 1234567 - 1 -> 1234567-1) and looked up in both
registers: 1234567 could be either a company or a charity number. JSON gives,
per number, what each register says (`company`, `charity`: the normalised
number, the record or null, the edition that answered, or why the number
cannot be one).

Examples:
  socval registers lookup 8911274
  socval registers lookup SC012345 1234567-1 --format json"
)]
pub struct Args {
    /// Company or charity numbers.
    #[arg(required = true, value_name = "NUMBER")]
    numbers: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// What one register says about one number (JSON names are the stable
/// contract).
#[derive(Serialize)]
struct Answer<T> {
    /// The number as the register writes it, if the input can be one.
    number: Option<String>,
    /// The record, if the register has it.
    record: Option<T>,
    /// The edition date of the register that answered.
    edition: Option<String>,
    /// Why there is no record: not a number of this register, not in it,
    /// register not imported.
    note: Option<String>,
}

#[derive(Serialize)]
struct Row<'a> {
    input: String,
    company: Answer<Company<'a>>,
    charity: Answer<Charity<'a>>,
}

fn answer<N: ToString, T>(
    parsed: Result<N, socval_register::InvalidNumber>,
    edition: Option<&Edition>,
    find: impl FnOnce(&N) -> Option<T>,
    register: &str,
) -> Answer<T> {
    let mut a = Answer {
        number: None,
        record: None,
        edition: edition.and_then(|e| e.date.clone()),
        note: None,
    };
    match parsed {
        Err(e) => a.note = Some(e.to_string()),
        Ok(n) => {
            a.number = Some(n.to_string());
            a.record = find(&n);
            if a.record.is_none() {
                a.note = Some(if edition.is_some() {
                    format!("not in the {register} register")
                } else {
                    format!("the {register} register is not imported")
                });
            }
        }
    }
    a
}

/// Looks the numbers up and prints what each register says.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let reg = Registers::open(&global.data_dir)?;
    let answers: Vec<Row<'_>> = args
        .numbers
        .iter()
        .map(|input| Row {
            input: input.clone(),
            company: answer(
                CompanyNumber::parse(input),
                reg.companies_edition(),
                |n| reg.company(n),
                "companies",
            ),
            charity: answer(
                CharityNumber::parse(input),
                reg.charities_edition(),
                |n| reg.charity(n),
                "charities",
            ),
        })
        .collect();
    let mut rows = Vec::new();
    for a in &answers {
        let mut found = false;
        if let Some(c) = &a.company.record {
            found = true;
            let sic: Vec<&str> = c.sic.iter().map(|s| s.code).collect();
            rows.push(vec![
                a.input.clone(),
                "company".into(),
                c.number.to_string(),
                c.name.to_owned(),
                c.postcode.unwrap_or_default().to_owned(),
                c.status.unwrap_or_default().to_owned(),
                [
                    c.category.unwrap_or_default(),
                    c.accounts_category.unwrap_or_default(),
                    &sic.join(" "),
                ]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("; "),
                a.company.edition.clone().unwrap_or_default(),
            ]);
        }
        if let Some(c) = &a.charity.record {
            found = true;
            let mut detail = Vec::new();
            if let Some(i) = c.latest_income {
                detail.push(format!("income {}", i.display_pounds()));
            }
            if let Some(n) = c.company_number {
                detail.push(format!("company {n}"));
            }
            rows.push(vec![
                a.input.clone(),
                "charity".into(),
                c.number.to_string(),
                c.name.to_owned(),
                c.postcode.unwrap_or_default().to_owned(),
                c.status.unwrap_or_default().to_owned(),
                detail.join("; "),
                a.charity.edition.clone().unwrap_or_default(),
            ]);
        }
        if !found {
            let notes: Vec<&str> = [&a.company.note, &a.charity.note]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect();
            rows.push(vec![
                a.input.clone(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "not found".into(),
                notes.join("; "),
                String::new(),
            ]);
        }
    }
    let found = answers
        .iter()
        .filter(|a| a.company.record.is_some() || a.charity.record.is_some())
        .count();
    Report {
        json: &answers,
        headers: vec![
            "input", "register", "number", "name", "postcode", "status", "details", "edition",
        ],
        rows,
        numeric: vec![],
        footer: vec![format!("{found} of {} numbers found", answers.len())],
    }
    .write(args.format, out)?;
    Ok(exit::OK)
}
