//! Supplier name normalisation, so that `A & B Services Ltd.` and
//! `A AND B SERVICES LIMITED` join to the same supplier.

/// The normalised form of a supplier name, used to join payments to the
/// supplier register when there is no supplier id.
///
/// Rules, in order: upper case; `&` and `+` read as `AND`; apostrophes and
/// dots removed (`O'Brien` → `OBRIEN`, `L.T.D.` → `LTD`); any other
/// punctuation is a space; runs of spaces collapse; a leading `THE` is
/// dropped; trailing legal forms are dropped (`LTD`, `LIMITED`, `PLC`,
/// `PUBLIC LIMITED COMPANY`, `LLP`, `CIC`), so `ACME LTD`, `Acme Limited` and
/// `ACME` are the same supplier.
///
/// ```
/// use socval_spend::normalise_name;
/// assert_eq!(normalise_name("A & B Services Ltd."), "A AND B SERVICES");
/// assert_eq!(normalise_name("  a and b   SERVICES LIMITED"), "A AND B SERVICES");
/// assert_eq!(normalise_name("The Wilko Co-op PLC"), "WILKO CO OP");
/// ```
pub fn normalise_name(name: &str) -> String {
    let mut spaced = String::with_capacity(name.len() + 8);
    for c in name.chars() {
        match c {
            '&' | '+' => spaced.push_str(" AND "),
            '\'' | '’' | '.' => {}
            c if c.is_alphanumeric() => spaced.extend(c.to_uppercase()),
            _ => spaced.push(' '),
        }
    }
    let mut words: Vec<&str> = spaced.split_whitespace().collect();
    if words.len() > 1 && words[0] == "THE" {
        words.remove(0);
    }
    loop {
        let n = words.len();
        if n > 3 && words[n - 3..] == ["PUBLIC", "LIMITED", "COMPANY"] {
            words.truncate(n - 3);
        } else if n > 1 && matches!(words[n - 1], "LTD" | "LIMITED" | "PLC" | "LLP" | "CIC") {
            words.truncate(n - 1);
        } else {
            break;
        }
    }
    words.join(" ")
}

/// True for names that stand for a redacted payee: anything whose normalised
/// form starts with `REDACTED` (covering `REDACTED PERSONAL DATA` and the
/// published typo `REDACTED PERSONAL DATS`), or the usual phrases for
/// payments to individuals withheld under data protection law.
pub fn is_redacted(name: &str) -> bool {
    let t = name.trim_start();
    if t.len() >= 8 && t.as_bytes()[..8].eq_ignore_ascii_case(b"REDACTED") {
        return true;
    }
    let n = normalise_name(t);
    n.starts_with("REDACTED")
        || matches!(
            n.as_str(),
            "PERSONAL DATA"
                | "PERSONAL DATA REDACTED"
                | "WITHHELD"
                | "NAME WITHHELD"
                | "INDIVIDUAL"
                | "PRIVATE INDIVIDUAL"
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_supplier_agree() {
        let groups: &[&[&str]] = &[
            &[
                "A & B SERVICES LTD",
                "A and B Services Limited",
                "a&b services ltd.",
                "A AND B  SERVICES",
            ],
            &[
                "O'Brien Plumbing",
                "OBRIEN PLUMBING LTD",
                "O’Brien Plumbing Limited",
            ],
            &[
                "Kier Group PLC",
                "KIER GROUP",
                "Kier Group Public Limited Company",
            ],
            &["The Sheffield College", "SHEFFIELD COLLEGE"],
        ];
        for g in groups {
            let want = normalise_name(g[0]);
            for n in *g {
                assert_eq!(normalise_name(n), want, "{n}");
            }
        }
        assert_ne!(normalise_name("ACME LTD"), normalise_name("ACME GROUP LTD"));
        assert_eq!(normalise_name("LIMITED"), "LIMITED");
        assert_eq!(normalise_name("THE"), "THE");
    }

    #[test]
    fn redactions_are_recognised() {
        for n in [
            "REDACTED PERSONAL DATA",
            "REDACTED PERSONAL DATS",
            "Redacted",
            "redacted - personal data",
            "Personal Data",
        ] {
            assert!(is_redacted(n), "{n}");
        }
        for n in [
            "RED ACTION LTD",
            "PERSONAL DATA SOLUTIONS LTD",
            "A PINDER LTD",
        ] {
            assert!(!is_redacted(n), "{n}");
        }
    }
}
