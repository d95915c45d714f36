//! A delivery returns CSV (`socval contract progress --returns FILE`, the
//! portal's return upload) for the example contract
//! (data/examples/contract.toml): `contract::returns_from_records`, then
//! progress and the portfolio (`socval_fuzz::use_contract`).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use socval_core::contract::{self, Contract};

fn example() -> &'static Contract {
    static C: OnceLock<Contract> = OnceLock::new();
    C.get_or_init(|| {
        let text = include_str!("../../data/examples/contract.toml");
        Contract::from_toml(text, "contract.toml").expect("the example contract reads")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(records) = socval_fuzz::records("returns.csv", data) else {
        return;
    };
    if let Ok(returns) = contract::returns_from_records(&records) {
        socval_fuzz::use_contract(example(), &returns);
    }
});
