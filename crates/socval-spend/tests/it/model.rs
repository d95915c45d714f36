//! The columnar analysis against a naive row-by-row model, on generated
//! ledgers (proptest).

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use socval_core::{FinancialYear, Gbp};
use socval_spend::{
    AnalysisOptions, DeprivedBand, ImportOptions, LocationClass, LocationOverride, SpendTotals,
    Supplier, SupplierRegister, parse_csv,
};

use crate::{TableResolver, loc};

const NAMES: [&str; 8] = [
    "Acme Ltd",
    "Beta & Sons",
    "Gamma PLC",
    "Delta Care",
    "Epsilon",
    "Zeta LLP",
    "Eta Roofing",
    "Theta",
];

fn spelling(name: &str, v: u8) -> String {
    match v % 4 {
        0 => name.to_string(),
        1 => name.to_uppercase(),
        2 => name.replace(" & ", " and ").replace(" Ltd", " Limited"),
        _ => format!("{name}."),
    }
}

#[derive(Debug, Clone)]
struct Pay {
    day: i64,
    pence: i64,
    who: usize, // NAMES index, or NAMES.len() for redacted
    spelling: u8,
}

fn pays() -> impl Strategy<Value = Vec<Pay>> {
    prop::collection::vec(
        (
            0i64..730,
            -50_000i64..5_000_000,
            0usize..=NAMES.len(),
            0u8..4,
        )
            .prop_map(|(day, pence, who, spelling)| Pay {
                day,
                pence,
                who,
                spelling,
            }),
        1..200,
    )
}

fn setup(in_register: u8, classes: &[u8]) -> (SupplierRegister, TableResolver) {
    let mut suppliers = Vec::new();
    let mut table = HashMap::new();
    for (i, n) in NAMES.iter().enumerate() {
        if in_register & (1 << i) == 0 {
            continue;
        }
        let pc = format!("P{i}");
        let class = [
            LocationClass::Local,
            LocationClass::Region,
            LocationClass::Outside,
            LocationClass::Unknown,
        ][classes[i] as usize % 4];
        let band = [
            None,
            Some(DeprivedBand::Top1),
            Some(DeprivedBand::Top10),
            Some(DeprivedBand::Top20),
        ][classes[i] as usize / 4 % 4];
        let ward = ["W1", "W2"][i % 2];
        table.insert(pc.clone(), loc(class, Some(ward), band));
        suppliers.push(Supplier {
            name: n.to_string(),
            postcode: Some(pc),
            vcse: Some(i % 2 == 0),
            ..Default::default()
        });
    }
    // Zeta's head office is elsewhere; an override puts it at a local branch.
    table.insert("BRANCH".into(), loc(LocationClass::Local, Some("W9"), None));
    let o = LocationOverride {
        supplier_id: None,
        name: Some("ZETA".into()),
        postcode: "BRANCH".into(),
        reason: "local depot".into(),
    };
    (
        SupplierRegister::new(suppliers, vec![o]).unwrap(),
        TableResolver(table),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn columnar_matches_row_by_row(pays in pays(), in_register in any::<u8>(), classes in prop::collection::vec(0u8..16, 8), top_n in 1usize..6) {
        let first = FinancialYear::starting(2018).first_day();
        let mut csv = String::from("Payment Date,Amount,Supplier Name\n");
        for p in &pays {
            let d = first + time::Duration::days(p.day);
            let name = if p.who == NAMES.len() { "REDACTED PERSONAL DATS".to_string() } else { spelling(NAMES[p.who], p.spelling) };
            let (s, a) = if p.pence < 0 { ("-", -p.pence) } else { ("", p.pence) };
            csv.push_str(&format!("{d},\"£{s}{}.{:02}\",{name}\n", a / 100, a % 100));
        }
        let (reg, res) = setup(in_register, &classes);
        let years = [FinancialYear::starting(2018), FinancialYear::starting(2019)];
        let mut t = SpendTotals::new(&reg, &years);
        parse_csv("p.csv", csv.as_bytes(), &ImportOptions::default(), |b| t.add_batch(&b)).unwrap();
        let locs = t.locations(&res);
        let opts = AnalysisOptions { top_n, ..Default::default() };
        for (yi, fy) in years.iter().enumerate() {
            let r = t.report(*fy, &locs, &opts).unwrap();
            // The model: plain maps over rows.
            let mut per: BTreeMap<usize, (i64, u64)> = BTreeMap::new();
            for p in pays.iter().filter(|p| (p.day >= 365) == (yi == 1)) {
                let e = per.entry(p.who).or_default();
                e.0 += p.pence;
                e.1 += 1;
            }
            let total: i64 = per.values().map(|v| v.0).sum();
            prop_assert_eq!(r.total_gbp, Gbp::from_pence(total));
            let suppliers = per.keys().filter(|&&w| w < NAMES.len()).count() as u64;
            prop_assert_eq!(r.suppliers, suppliers);
            let class_of = |w: usize| -> (LocationClass, Option<&'static str>, Option<DeprivedBand>) {
                // The override places Zeta, in the register or not.
                if w == 5 {
                    return (LocationClass::Local, Some("W9"), None);
                }
                if w == NAMES.len() || in_register & (1 << w) == 0 {
                    return (LocationClass::Unknown, None, None);
                }
                let c = [LocationClass::Local, LocationClass::Region, LocationClass::Outside, LocationClass::Unknown][classes[w] as usize % 4];
                let b = [None, Some(DeprivedBand::Top1), Some(DeprivedBand::Top10), Some(DeprivedBand::Top20)][classes[w] as usize / 4 % 4];
                (c, Some(["W1", "W2"][w % 2]), b)
            };
            let mut local = 0i64;
            let mut dep10 = 0i64;
            let mut wards: BTreeMap<&str, i64> = BTreeMap::new();
            let mut unmatched = 0i64;
            let mut vcse = 0i64;
            for (&w, &(p, _)) in &per {
                let (c, ward, band) = class_of(w);
                if c == LocationClass::Local {
                    local += p;
                    *wards.entry(ward.unwrap()).or_default() += p;
                    if band.is_some_and(|b| b <= DeprivedBand::Top10) { dep10 += p; }
                }
                if w < NAMES.len() && in_register & (1 << w) == 0 { unmatched += p; }
                if w < NAMES.len() && in_register & (1 << w) != 0 && w % 2 == 0 { vcse += p; }
            }
            prop_assert_eq!(r.by_class.local.gbp, Gbp::from_pence(local));
            prop_assert_eq!(r.deprived_local.p10.gbp, Gbp::from_pence(dep10));
            let got: BTreeMap<&str, Gbp> = r.by_ward.iter().map(|w| (w.ward.as_str(), w.gbp)).collect();
            let want: BTreeMap<&str, Gbp> = wards.into_iter().map(|(k, v)| (k, Gbp::from_pence(v))).collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(r.data_quality.unmatched.gbp, Gbp::from_pence(unmatched));
            prop_assert_eq!(r.vcse.yes.gbp, Gbp::from_pence(vcse));
            let mut ranked: Vec<i64> = per.iter().filter(|(w, _)| **w < NAMES.len()).map(|(_, v)| v.0).collect();
            ranked.sort_by_key(|x| std::cmp::Reverse(*x));
            let top: i64 = ranked.iter().take(top_n).sum();
            prop_assert_eq!(r.top_n_gbp, Gbp::from_pence(top));
            let sum_classes = [&r.by_class.local, &r.by_class.region, &r.by_class.outside, &r.by_class.unknown].map(|c| c.gbp);
            prop_assert_eq!(Gbp::checked_sum(sum_classes), Some(r.total_gbp));
            // Every breakdown counts each supplier once and the redacted
            // payee never: the rows' supplier counts add up to the total.
            let class_suppliers: u64 = [&r.by_class.local, &r.by_class.region, &r.by_class.outside, &r.by_class.unknown].iter().map(|c| c.suppliers).sum();
            prop_assert_eq!(class_suppliers, suppliers);
            let distance_suppliers: u64 = r.by_distance.iter().map(|d| d.suppliers).sum();
            prop_assert_eq!(distance_suppliers, suppliers);
            let distance_gbp = Gbp::checked_sum(r.by_distance.iter().map(|d| d.gbp));
            prop_assert_eq!(distance_gbp, Some(r.total_gbp));
        }
    }
}
