//! A framework file in TOML (`socval framework validate FILE`, `--framework
//! FILE`, the portal's framework upload): `Framework::from_toml`, then what
//! socval does with it (`socval_fuzz::use_framework`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_core::Framework;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(fw) = Framework::from_toml(text, "framework.toml") {
        socval_fuzz::use_framework(fw);
    }
});
