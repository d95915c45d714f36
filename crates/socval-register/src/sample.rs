//! Fictional register files in exactly the published layouts, for tests,
//! the demo and benchmarks. Every company and charity made here is
//! invented (names from word lists, numbers from a counter); none is a
//! real organisation or person.
//!
//! ```
//! use socval_register::sample::{SampleCompany, write_companies};
//! let mut csv = Vec::new();
//! write_companies(&mut csv, (0..3).map(SampleCompany::fictional)).unwrap();
//! assert!(String::from_utf8(csv).unwrap().starts_with("CompanyName, CompanyNumber,"));
//! ```

use std::io::{self, Write};

/// The header of BasicCompanyData as Companies House publishes it, with
/// its leading spaces (`" CompanyNumber"`).
pub const COMPANIES_HEADER: &str = "CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,Returns.LastMadeUpDate,Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,PreviousName_1.CONDATE, PreviousName_1.CompanyName, PreviousName_2.CONDATE, PreviousName_2.CompanyName,PreviousName_3.CONDATE, PreviousName_3.CompanyName,PreviousName_4.CONDATE, PreviousName_4.CompanyName,PreviousName_5.CONDATE, PreviousName_5.CompanyName,PreviousName_6.CONDATE, PreviousName_6.CompanyName,PreviousName_7.CONDATE, PreviousName_7.CompanyName,PreviousName_8.CONDATE, PreviousName_8.CompanyName,PreviousName_9.CONDATE, PreviousName_9.CompanyName,PreviousName_10.CONDATE, PreviousName_10.CompanyName,ConfStmtNextDueDate, ConfStmtLastMadeUpDate";

/// The columns of the Charity Commission's `publicextract.charity`, in
/// the published order.
pub const CHARITY_HEADER: [&str; 34] = [
    "date_of_extract",
    "organisation_number",
    "registered_charity_number",
    "linked_charity_number",
    "charity_name",
    "charity_type",
    "charity_registration_status",
    "date_of_registration",
    "date_of_removal",
    "charity_reporting_status",
    "latest_acc_fin_period_start_date",
    "latest_acc_fin_period_end_date",
    "latest_income",
    "latest_expenditure",
    "charity_contact_address1",
    "charity_contact_address2",
    "charity_contact_address3",
    "charity_contact_address4",
    "charity_contact_address5",
    "charity_contact_postcode",
    "charity_contact_phone",
    "charity_contact_email",
    "charity_contact_web",
    "charity_company_registration_number",
    "charity_insolvent",
    "charity_in_administration",
    "charity_previously_excepted",
    "charity_is_cdf_or_cif",
    "charity_is_cio",
    "cio_is_dissolved",
    "date_cio_dissolution_notice",
    "charity_activities",
    "charity_gift_aid",
    "charity_has_land",
];

const WORDS: [&str; 16] = [
    "ALDER",
    "BRACKEN",
    "CINDER",
    "DALE",
    "EMBER",
    "FERN",
    "GRANITE",
    "HOLLY",
    "IRONSTONE",
    "JUNIPER",
    "KESTREL",
    "LARCH",
    "MILLRACE",
    "NETTLE",
    "OSIER",
    "PEWTER",
];
const TRADES: [&str; 8] = [
    "JOINERY", "CATERING", "SOFTWARE", "HAULAGE", "CLEANING", "PRINT", "CARE", "BUILDERS",
];
/// Postcodes of public buildings in South Yorkshire, so that the demo's
/// fictional suppliers land somewhere on the map.
const POSTCODES: [&str; 6] = [
    "S60 2TH", "S1 2HH", "DN1 3BU", "S70 2TA", "S60 1AE", "S1 4PF",
];
const SIC: [&str; 6] = [
    "43320 - Joinery installation",
    "56210 - Event catering activities",
    "62012 - Business and domestic software development",
    "49410 - Freight transport by road",
    "81210 - General cleaning of buildings",
    "88990 - Other social work activities without accommodation n.e.c.",
];

/// One company row of a fictional BasicCompanyData file. Fields are as
/// the file writes them (dates `dd/mm/yyyy`).
#[derive(Clone, Debug, PartialEq)]
pub struct SampleCompany {
    /// `CompanyName`.
    pub name: String,
    /// ` CompanyNumber` (8 characters in the published file).
    pub number: String,
    /// `RegAddress.PostCode`.
    pub postcode: String,
    /// `CompanyCategory`.
    pub category: String,
    /// `CompanyStatus`.
    pub status: String,
    /// `Accounts.AccountCategory`.
    pub accounts_category: String,
    /// `SICCode.SicText_1` to `_4` (`code - text`).
    pub sic: Vec<String>,
    /// `IncorporationDate`.
    pub incorporated: String,
    /// `DissolutionDate`.
    pub dissolved: String,
}

impl SampleCompany {
    /// The `i`th fictional company: the same for the same `i`, a different
    /// number for each `i` (below 10 million).
    pub fn fictional(i: u64) -> SampleCompany {
        let w = |k: u64| WORDS[(k % WORDS.len() as u64) as usize];
        let pick = |k: u64, n: usize| (k % n as u64) as usize;
        let number = match i % 10 {
            7 => format!("SC{:06}", i / 10 % 1_000_000 + 1),
            8 => format!("OC{:06}", i / 10 % 1_000_000 + 1),
            9 => format!("NI{:06}", i / 10 % 1_000_000 + 1),
            _ => format!("{:08}", 10_000_000 - 1 - i % 10_000_000),
        };
        let (category, accounts) = match i % 5 {
            0 => ("Community Interest Company", "MICRO ENTITY"),
            1 => ("Private Limited Company", "SMALL"),
            2 => ("Private Limited Company", "TOTAL EXEMPTION FULL"),
            3 => ("Public Limited Company", "FULL"),
            _ => ("Private Limited Company", "DORMANT"),
        };
        let dissolved = i % 11 == 3;
        SampleCompany {
            name: format!(
                "{} {} {} LIMITED",
                w(i),
                w(i / 16 + 3),
                TRADES[pick(i / 256, TRADES.len())]
            ),
            number,
            postcode: POSTCODES[pick(i, POSTCODES.len())].to_owned(),
            category: category.to_owned(),
            status: if dissolved { "Dissolved" } else { "Active" }.to_owned(),
            accounts_category: accounts.to_owned(),
            sic: (0..1 + i % 3)
                .map(|s| SIC[pick(i + s, SIC.len())].to_owned())
                .collect(),
            incorporated: format!("{:02}/{:02}/{}", 1 + i % 28, 1 + i % 12, 1990 + i % 35),
            dissolved: if dissolved {
                format!("{:02}/{:02}/2025", 1 + i % 28, 1 + i % 12)
            } else {
                String::new()
            },
        }
    }
}

/// Writes a field as Companies House does: always in double quotes.
fn quoted(out: &mut dyn Write, s: &str) -> io::Result<()> {
    write!(out, "\"{}\"", s.replace('"', "\"\""))
}

/// Writes a BasicCompanyData CSV: the published header, then one row of
/// all 55 columns per company, every value quoted.
pub fn write_companies(
    out: &mut dyn Write,
    companies: impl IntoIterator<Item = SampleCompany>,
) -> io::Result<()> {
    writeln!(out, "{COMPANIES_HEADER}")?;
    let columns = COMPANIES_HEADER.split(',').count();
    for c in companies {
        let sic = |k: usize| c.sic.get(k).map_or("", String::as_str);
        let uri = format!("http://business.data.gov.uk/id/company/{}", c.number);
        let mut fields: Vec<&str> = vec![
            &c.name,
            &c.number,
            "",
            "",
            "1 FICTION STREET",
            "",
            "SAMPLETON",
            "",
            "ENGLAND",
            &c.postcode,
            &c.category,
            &c.status,
            "United Kingdom",
            &c.dissolved,
            &c.incorporated,
            "31",
            "3",
            "31/12/2026",
            "31/03/2025",
            &c.accounts_category,
            "",
            "",
            "0",
            "0",
            "0",
            "0",
            sic(0),
            sic(1),
            sic(2),
            sic(3),
            "0",
            "0",
            &uri,
        ];
        fields.resize(columns, "");
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                out.write_all(b",")?;
            }
            quoted(out, f)?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// One charity of a fictional register extract.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleCharity {
    /// `registered_charity_number`.
    pub number: u32,
    /// `linked_charity_number` (0 = the main charity).
    pub linked: u32,
    /// `charity_name`.
    pub name: String,
    /// `charity_contact_postcode`.
    pub postcode: String,
    /// `charity_registration_status` (`Registered`, `Removed`).
    pub status: String,
    /// `latest_income` as written (`12345.67`; empty for none).
    pub latest_income: String,
    /// `charity_company_registration_number` as written.
    pub company_number: String,
}

impl SampleCharity {
    /// The `i`th fictional charity: the same for the same `i`.
    pub fn fictional(i: u64) -> SampleCharity {
        let w = |k: u64| WORDS[(k % WORDS.len() as u64) as usize];
        SampleCharity {
            number: 1_100_000 + (i % 900_000) as u32,
            linked: 0,
            name: format!("{} {} COMMUNITY TRUST", w(i), w(i / 16 + 5)),
            postcode: POSTCODES[(i % POSTCODES.len() as u64) as usize].to_owned(),
            status: if i % 13 == 4 { "Removed" } else { "Registered" }.to_owned(),
            latest_income: format!("{}.{:02}", 1_000 + i * 37 % 900_000, i % 100),
            company_number: if i.is_multiple_of(4) {
                format!("{:08}", 9_000_000 + i % 1_000_000)
            } else {
                String::new()
            },
        }
    }

    /// The 34 published fields, as strings.
    fn fields(&self, date_of_extract: &str) -> Vec<String> {
        let mut f = vec![String::new(); CHARITY_HEADER.len()];
        let set = |f: &mut Vec<String>, name: &str, v: String| {
            if let Some(k) = CHARITY_HEADER.iter().position(|h| *h == name) {
                f[k] = v;
            }
        };
        set(&mut f, "date_of_extract", date_of_extract.to_owned());
        set(
            &mut f,
            "organisation_number",
            (self.number + 4_000_000).to_string(),
        );
        set(&mut f, "registered_charity_number", self.number.to_string());
        set(&mut f, "linked_charity_number", self.linked.to_string());
        set(&mut f, "charity_name", self.name.clone());
        set(&mut f, "charity_type", "Other".into());
        set(&mut f, "charity_registration_status", self.status.clone());
        set(&mut f, "latest_income", self.latest_income.clone());
        set(
            &mut f,
            "charity_contact_address1",
            "1 Fiction Street".into(),
        );
        set(&mut f, "charity_contact_postcode", self.postcode.clone());
        set(
            &mut f,
            "charity_company_registration_number",
            self.company_number.clone(),
        );
        set(
            &mut f,
            "charity_activities",
            "Invented for socval's tests.".into(),
        );
        f
    }
}

/// Writes the extract's tab-separated text form
/// (`publicextract.charity.txt`): unquoted fields, CRLF line ends.
pub fn write_charities_text(
    out: &mut dyn Write,
    date_of_extract: &str,
    charities: impl IntoIterator<Item = SampleCharity>,
) -> io::Result<()> {
    write!(out, "{}\r\n", CHARITY_HEADER.join("\t"))?;
    for c in charities {
        write!(out, "{}\r\n", c.fields(date_of_extract).join("\t"))?;
    }
    Ok(())
}

/// Writes the extract's JSON form (`publicextract.charity.json`): a
/// byte-order mark, then one array of objects with numbers as numbers
/// and empty values as `null`.
pub fn write_charities_json(
    out: &mut dyn Write,
    date_of_extract: &str,
    charities: impl IntoIterator<Item = SampleCharity>,
) -> io::Result<()> {
    const NUMBERS: [&str; 5] = [
        "organisation_number",
        "registered_charity_number",
        "linked_charity_number",
        "latest_income",
        "latest_expenditure",
    ];
    out.write_all("\u{feff}[".as_bytes())?;
    for (n, c) in charities.into_iter().enumerate() {
        let mut obj = serde_json::Map::new();
        for (name, v) in CHARITY_HEADER.iter().zip(c.fields(date_of_extract)) {
            let value = if v.is_empty() {
                serde_json::Value::Null
            } else if NUMBERS.contains(name) {
                serde_json::from_str(&v).unwrap_or(serde_json::Value::String(v))
            } else {
                serde_json::Value::String(v)
            };
            obj.insert((*name).to_owned(), value);
        }
        if n > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &obj)?;
    }
    out.write_all(b"]")
}
