//! The supplier register and location overrides (`socval spend suppliers
//! import`, `socval spend overrides import`, the portal's spend page): the
//! input is a register CSV, then a NUL byte, then an overrides CSV. Reads
//! both, indexes them as an import does, writes them as an import stores
//! them, and reads the stored files back.

#![no_main]

use libfuzzer_sys::fuzz_target;
use socval_spend::{SupplierRegister, normalise_name};

fuzz_target!(|data: &[u8]| {
    let (suppliers_csv, overrides_csv) = socval_fuzz::split(data);
    let suppliers = SupplierRegister::read_suppliers("suppliers.csv", suppliers_csv);
    let overrides = SupplierRegister::read_overrides("overrides.csv", overrides_csv);
    if let Ok(suppliers) = &suppliers {
        let mut stored = Vec::new();
        SupplierRegister::write_suppliers(suppliers, &mut stored).expect("writes");
        let back = SupplierRegister::read_suppliers("stored.csv", &stored[..])
            .expect("a stored register reads back");
        assert_eq!(&back, suppliers, "the stored register reads back the same");
    }
    if let Ok(overrides) = &overrides {
        let mut stored = Vec::new();
        SupplierRegister::write_overrides(overrides, &mut stored).expect("writes");
        let back = SupplierRegister::read_overrides("stored.csv", &stored[..])
            .expect("stored overrides read back");
        assert_eq!(&back, overrides, "the stored overrides read back the same");
    }
    let (Ok(suppliers), Ok(overrides)) = (suppliers, overrides) else {
        return;
    };
    let Ok(register) = SupplierRegister::new(suppliers, overrides) else {
        return;
    };
    for s in register.suppliers() {
        let name = normalise_name(&s.name);
        assert!(
            register.find_name(&name).is_some(),
            "{:?} is not found by name",
            s.name
        );
        if let Some(id) = &s.id {
            assert!(register.find_id(id).is_some(), "{id:?} is not found by id");
        }
        let _ = register.override_for(s.id.as_deref(), &name);
    }
});
