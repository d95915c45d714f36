//! `socval geo lookup`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use socval_geo::{Classification, GeoData, Postcode};

use super::definition::DefinitionArgs;
use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Look postcodes up: LAD, ward, LSOA, deprivation, class and distance.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "A postcode may be split over two arguments (S60 2TH) or written in any case
and spacing (s602th). The class is for the local definition given by --local,
--region and --radius (default: Rotherham, region scr-ca); distance_km is
measured from --from (default S60 2TH, Rotherham town hall).

Examples:
  socval geo lookup S60 2TH --format json
  socval geo lookup s11 8ux DN1 1AB --region scr-lep
  socval geo lookup S1 2HH --local E08000019 --radius 10mi --from 53.38,-1.47"
)]
pub struct Args {
    /// Postcodes to look up.
    #[arg(required = true, value_name = "POSTCODE")]
    postcodes: Vec<String>,
    #[command(flatten)]
    definition: DefinitionArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The fields printed for one postcode (JSON names are the stable contract).
#[derive(Serialize, Debug)]
pub struct Row {
    /// Canonical postcode, or the input as given if invalid.
    pub postcode: String,
    pub lad: Option<String>,
    pub lad_name: Option<String>,
    pub ward: Option<String>,
    pub ward_name: Option<String>,
    pub lsoa: Option<String>,
    pub imd_lsoa: Option<String>,
    pub imd_rank: Option<u32>,
    pub imd_decile: Option<u8>,
    pub most_deprived: Option<&'static str>,
    /// Why there is no deprivation figure (when a deprivation file is imported).
    pub imd_note: Option<String>,
    pub class: &'static str,
    pub reason: Option<&'static str>,
    pub detail: Option<String>,
    pub terminated: bool,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub distance_km: Option<f64>,
}

/// Metres are plenty for supplier distances.
#[allow(clippy::float_arithmetic)] // a distance, not money
pub fn round_km(km: f64) -> f64 {
    (km * 1000.0).round() / 1000.0
}

impl Row {
    /// The printed fields of one classification.
    pub fn new(input: &str, c: &Classification<'_>, geo: &GeoData) -> Row {
        let rec = c.record.as_ref();
        let lad = rec.and_then(|r| r.lad);
        let ward = rec.and_then(|r| r.ward);
        let imd = c.imd();
        Row {
            postcode: c
                .postcode
                .map_or_else(|| input.trim().to_string(), |p| p.to_string()),
            lad: lad.map(str::to_string),
            lad_name: lad.and_then(|l| geo.names.get(l)).map(str::to_string),
            ward: ward.map(str::to_string),
            ward_name: ward.and_then(|w| geo.names.get(w)).map(str::to_string),
            lsoa: rec.and_then(|r| r.lsoa()).map(str::to_string),
            imd_lsoa: imd.map(|d| d.lsoa.to_string()),
            imd_rank: imd.map(|d| d.rank),
            imd_decile: imd.map(|d| d.decile),
            most_deprived: c.most_deprived().map(|b| b.as_str()),
            imd_note: c.no_figure().map(|n| n.to_string()),
            class: c.class.as_str(),
            reason: c.reason.map(|r| r.as_str()),
            detail: c.detail.clone(),
            terminated: rec.is_some_and(|r| r.terminated),
            lat: rec.and_then(|r| r.coords).map(|p| p.lat),
            long: rec.and_then(|r| r.coords).map(|p| p.long),
            distance_km: c.distance_km.map(round_km),
        }
    }

    fn cells(&self) -> Vec<String> {
        let s = |o: &Option<String>| o.clone().unwrap_or_default();
        vec![
            self.postcode.clone(),
            s(&self.lad),
            s(&self.lad_name),
            s(&self.ward),
            s(&self.ward_name),
            s(&self.lsoa),
            self.imd_rank.map(|r| r.to_string()).unwrap_or_default(),
            self.imd_decile.map(|r| r.to_string()).unwrap_or_default(),
            self.most_deprived.unwrap_or_default().to_string(),
            self.class.to_string(),
            self.reason.unwrap_or_default().to_string(),
            self.distance_km
                .map(|d| format!("{d:.3}"))
                .unwrap_or_default(),
            s(&self.imd_note),
        ]
    }
}

const HEADERS: [&str; 13] = [
    "postcode",
    "lad",
    "lad_name",
    "ward",
    "ward_name",
    "lsoa",
    "imd_rank",
    "imd_decile",
    "most_deprived",
    "class",
    "reason",
    "distance_km",
    "imd_note",
];

/// Joins arguments split by the shell: `S60` `2TH` → `S60 2TH`.
fn join_split(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if Postcode::parse(a).is_err()
            && let Some(b) = args.get(i + 1)
            && Postcode::parse(b).is_err()
        {
            let joined = format!("{a} {b}");
            if Postcode::parse(&joined).is_ok() {
                out.push(joined);
                i += 2;
                continue;
            }
        }
        out.push(a.clone());
        i += 1;
    }
    out
}

/// Looks the postcodes up and prints one row each.
pub fn run(global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let geo = GeoData::open(&global.data_dir)?;
    let def = args.definition.build(&geo)?;
    let inputs = join_split(&args.postcodes);
    let rows: Vec<Row> = inputs
        .iter()
        .map(|p| Row::new(p, &geo.classify(&def, p), &geo))
        .collect();
    let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &rows {
        *by_class.entry(r.class).or_default() += 1;
    }
    let mut footer = vec![format!(
        "{} postcodes: {}",
        rows.len(),
        by_class
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    )];
    if geo.deprivation.is_some() {
        let none = rows.iter().filter(|r| r.imd_note.is_some()).count();
        footer.push(format!("{none} found without a deprivation figure"));
    } else {
        footer.push(
            "No deprivation file imported: run `socval geo import` with the IMD file.".into(),
        );
    }
    let table: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
    Report {
        json: &rows,
        headers: HEADERS.to_vec(),
        rows: table,
        numeric: vec![6, 7, 11],
        footer,
    }
    .write(args.format, out)?;
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_postcodes_split_by_the_shell() {
        let cases: [(&[&str], &[&str]); 4] = [
            (&["S60", "2TH"], &["S60 2TH"]),
            (&["S60", "2TH", "dn11ab"], &["S60 2TH", "dn11ab"]),
            (&["S602TH", "DN1", "1AB"], &["S602TH", "DN1 1AB"]),
            (&["nonsense", "S1"], &["nonsense", "S1"]),
        ];
        for (args, want) in cases {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            assert_eq!(join_split(&args), want.to_vec());
        }
    }
}
