//! A framework file in CSV (`--framework FILE.csv`, the portal's framework
//! upload): split as the command line splits CSV, `Framework::from_records`,
//! then what socval does with it (`socval_fuzz::use_framework`).

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_core::Framework;
use socval_core::framework::Meta;

fuzz_target!(|data: &[u8]| {
    let Some(records) = socval_fuzz::records("framework.csv", data) else {
        return;
    };
    let meta = Meta {
        id: "framework".into(),
        title: "framework".into(),
        ..Meta::default()
    };
    if let Ok(fw) = Framework::from_records(&records, meta) {
        socval_fuzz::use_framework(fw);
    }
});
