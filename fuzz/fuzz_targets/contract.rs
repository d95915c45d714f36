//! A contract file (`socval contract progress FILE`, the portal's contract
//! form) and, after a NUL byte, its delivery returns CSV:
//! `Contract::from_toml`, `contract::returns_from_records`, then progress
//! and the portfolio (`socval_fuzz::use_contract`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_core::contract::{self, Contract};

fuzz_target!(|data: &[u8]| {
    let (toml, csv) = socval_fuzz::split(data);
    let Ok(text) = std::str::from_utf8(toml) else {
        return;
    };
    let Ok(c) = Contract::from_toml(text, "contract.toml") else {
        return;
    };
    let returns = if csv.is_empty() {
        Vec::new()
    } else {
        let Some(records) = socval_fuzz::records("returns.csv", csv) else {
            return;
        };
        match contract::returns_from_records(&records) {
            Ok(returns) => returns,
            Err(_) => return,
        }
    };
    socval_fuzz::use_contract(&c, &returns);
});
