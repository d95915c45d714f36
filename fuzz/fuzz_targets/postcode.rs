//! Postcodes as people type them (a supplier register, `--from`, a form):
//! `Postcode` parsing, its parts, its special cases and its directory key.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_geo::Postcode;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Postcode::parse(s);
    assert_eq!(parsed, s.parse::<Postcode>(), "FromStr and parse differ");
    let Ok(p) = parsed else {
        return;
    };
    // The canonical form reads back as itself, and its parts make it up.
    let canonical = p.as_str();
    assert_eq!(
        Postcode::parse(canonical),
        Ok(p),
        "{canonical:?} does not read back"
    );
    assert_eq!(format!("{} {}", p.outward(), p.inward()), canonical);
    assert!(p.outward().starts_with(p.area()));
    let _ = p.special();
    let _ = p.to_string();
    if let Some(key) = p.key() {
        assert_eq!(
            Postcode::from_key(key),
            Some(p),
            "key {key} of {canonical:?}"
        );
    }
});
