//! The contract of `DeliveryStore` (delivery returns, review of each line,
//! evidence records, the portfolio's data), run on SQLite always and on
//! PostgreSQL in the ignored `postgres` tests; and the evidence directory.

use std::str::FromStr;

use socval_core::Decimal;
use socval_store::delivery::evidence::EvidenceDir;
use socval_store::delivery::*;
use socval_store::procurement::*;
use socval_store::*;
use time::OffsetDateTime;
use time::macros::{date, datetime};

use crate::harness::Raw;

const T0: OffsetDateTime = datetime!(2025-07-02 09:00:00 UTC);

macro_rules! delivery_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let h = crate::harness::sqlite().await;
                    super::$name(&*h.store, &h.raw()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: .ci/run sets TEST_DATABASE_URL"]
                async fn $name() {
                    let h = crate::harness::postgres().await;
                    super::$name(&*h.store, &h.raw()).await;
                    h.drop().await;
                }
            )*
        }
    };
}

delivery_tests!(
    a_return_keeps_exact_units_evidence_and_is_audited,
    bad_returns_change_nothing,
    officers_verify_or_reject_each_line,
    portfolio_data_and_reminders_cover_the_organisation_only,
);

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn supplier_actor() -> Actor {
    Actor::system("supplier@acme.test")
}

struct Fixture {
    org: i64,
    s1: i64,
    s2: i64,
    contract: Contract,
    other_contract: Contract,
}

async fn fixture(store: &dyn Store) -> Fixture {
    let cli = Actor::system("test");
    let org = store
        .create_organisation(
            &cli,
            T0,
            &NewOrganisation::new("felpersham", "Felpersham", OrgKind::Council),
        )
        .await
        .unwrap()
        .id;
    let other = store
        .create_organisation(
            &cli,
            T0,
            &NewOrganisation::new("other", "Other", OrgKind::College),
        )
        .await
        .unwrap()
        .id;
    let supplier = async |org_id, name: &str| {
        store
            .create_supplier(
                &cli,
                T0,
                &NewSupplier {
                    org_id,
                    name: name.into(),
                    company_number: None,
                    postcode: None,
                },
            )
            .await
            .unwrap()
            .id
    };
    let s1 = supplier(org, "Acme").await;
    let s2 = supplier(org, "Bravo").await;
    let s_other = supplier(other, "Elsewhere").await;
    let new = |org_id, supplier_id, reference: &str| NewContract {
        org_id,
        supplier_id,
        reference: reference.into(),
        title: "Depot rebuild".into(),
        category: "Places".into(),
        value_pence: 150_000_000,
        start: date!(2025 - 04 - 01),
        years: 2,
        framework_id: None,
        valuation_year: "2025/26".into(),
        evidence: Evidence::DeliveryPlan,
        commitments: vec![
            ContractCommitment {
                measure: "OD01".into(),
                contract_year: 1,
                units: d("4"),
                quarters: None,
            },
            ContractCommitment {
                measure: "OD02".into(),
                contract_year: 2,
                units: d("1000.5"),
                quarters: None,
            },
        ],
    };
    let contract = store
        .create_contract(&cli, T0, &new(org, s1, "DEP-1"))
        .await
        .unwrap();
    let other_contract = store
        .create_contract(&cli, T0, &new(other, s_other, "DEP-1"))
        .await
        .unwrap();
    Fixture {
        org,
        s1,
        s2,
        contract,
        other_contract,
    }
}

fn evidence(content: &[u8], name: &str) -> NewEvidence {
    NewEvidence {
        sha256: evidence::sha256_hex(content),
        size_bytes: content.len() as i64,
        media_type: "application/pdf".into(),
        filename: name.into(),
    }
}

fn new_return(f: &Fixture) -> NewReturn {
    NewReturn {
        contract_id: f.contract.id,
        supplier_id: f.s1,
        contract_year: 1,
        quarter: 1,
        narrative: "Two apprentices started in May.".into(),
        lines: vec![
            NewLine {
                measure: "OD01".into(),
                units: d("1.25"),
            },
            NewLine {
                measure: "od02".into(),
                units: d("0.0001"),
            },
        ],
        evidence: vec![evidence(b"%PDF-1.4 timesheets", "timesheets.pdf")],
    }
}

async fn count(raw: &Raw, sql: &'static str) -> String {
    raw.text(sql).await.unwrap().unwrap_or_default()
}

async fn a_return_keeps_exact_units_evidence_and_is_audited(store: &dyn Store, _raw: &Raw) {
    let f = fixture(store).await;
    let audit_before = store.audit_count(Some(f.org)).await.unwrap();
    let mark_before = store.change_mark(f.org).await.unwrap();
    let r = store
        .submit_return(&supplier_actor(), T0, &new_return(&f))
        .await
        .unwrap();
    assert_eq!(r.period(), "Y1 Q1");
    assert_eq!(r.supplier_id, f.s1);
    assert_eq!(r.submitted_by, "supplier@acme.test");
    assert_eq!(r.submitted_at, T0);
    let units: Vec<(&str, Decimal, LineStatus)> = r
        .lines
        .iter()
        .map(|l| (l.measure.as_str(), l.units, l.status))
        .collect();
    assert_eq!(
        units,
        vec![
            ("OD01", d("1.25"), LineStatus::Pending),
            // The contract's spelling of the code; every decimal place kept.
            ("OD02", d("0.0001"), LineStatus::Pending),
        ]
    );
    assert_eq!(r.evidence.len(), 1);
    assert_eq!(r.evidence[0].filename, "timesheets.pdf");
    assert_eq!(store.delivery_return(r.id).await.unwrap(), r);
    assert_eq!(
        store.contract_returns(f.contract.id).await.unwrap(),
        vec![r.clone()]
    );
    assert_eq!(
        store.evidence_file(r.evidence[0].id).await.unwrap(),
        r.evidence[0]
    );
    assert!(store.evidence_in_use(&r.evidence[0].sha256).await.unwrap());
    assert!(!store.evidence_in_use(&"0".repeat(64)).await.unwrap());
    assert_eq!(
        store.audit_count(Some(f.org)).await.unwrap(),
        audit_before + 1
    );
    assert!(store.change_mark(f.org).await.unwrap() > mark_before);
    let row = store
        .audit(&AuditQuery {
            org_id: Some(f.org),
            limit: 1,
            newest_first: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        (row.entity_type.as_str(), row.entity_id.clone()),
        ("delivery_return", r.id.to_string())
    );
    assert!(row.after.unwrap().contains("0.0001"));
}

async fn bad_returns_change_nothing(store: &dyn Store, raw: &Raw) {
    let f = fixture(store).await;
    store
        .submit_return(&supplier_actor(), T0, &new_return(&f))
        .await
        .unwrap();
    let audit_before = store.audit_count(None).await.unwrap();
    type Change = Box<dyn Fn(&mut NewReturn)>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "double submission",
            Box::new(|_| {}),
            "already has a return for Y1 Q1",
        ),
        (
            "negative units",
            Box::new(|r| {
                r.quarter = 2;
                r.lines[1].units = d("-1");
            }),
            "lines[1].units",
        ),
        (
            "unknown measure",
            Box::new(|r| {
                r.quarter = 2;
                r.lines[0].measure = "XX99".into();
            }),
            "lines[0].measure: \"XX99\" is not a measure",
        ),
        (
            "measure twice",
            Box::new(|r| {
                r.quarter = 2;
                r.lines[1].measure = "OD01".into();
            }),
            "reported twice",
        ),
        (
            "no lines",
            Box::new(|r| {
                r.quarter = 2;
                r.lines.clear();
            }),
            "at least one measure",
        ),
        (
            "year outside the contract",
            Box::new(|r| r.contract_year = 3),
            "contract_year: 3 is outside",
        ),
        ("quarter 5", Box::new(|r| r.quarter = 5), "quarter: 5"),
        (
            "another supplier",
            Box::new(|r| r.quarter = 2),
            "not this supplier's",
        ),
    ];
    for (what, change, want) in cases {
        let mut r = new_return(&f);
        change(&mut r);
        if what == "another supplier" {
            r.supplier_id = f.s2;
        }
        let e = store
            .submit_return(&supplier_actor(), T0, &r)
            .await
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(want), "{what}: {msg}");
        if what == "double submission" {
            assert!(matches!(e, Error::Conflict { .. }), "{what}: {e:?}");
        } else {
            assert!(matches!(e, Error::Invalid { .. }), "{what}: {e:?}");
        }
    }
    // Another organisation's contract is not found through this one.
    let mut r = new_return(&f);
    r.contract_id = f.other_contract.id;
    assert!(
        store
            .submit_return(&supplier_actor(), T0, &r)
            .await
            .is_err()
    );
    assert_eq!(
        count(raw, "SELECT CAST(COUNT(*) AS TEXT) FROM delivery_returns").await,
        "1"
    );
    assert_eq!(
        count(raw, "SELECT CAST(COUNT(*) AS TEXT) FROM return_lines").await,
        "2"
    );
    assert_eq!(
        count(raw, "SELECT CAST(COUNT(*) AS TEXT) FROM evidence_files").await,
        "1"
    );
    assert_eq!(store.audit_count(None).await.unwrap(), audit_before);
}

async fn officers_verify_or_reject_each_line(store: &dyn Store, _raw: &Raw) {
    let f = fixture(store).await;
    let r = store
        .submit_return(&supplier_actor(), T0, &new_return(&f))
        .await
        .unwrap();
    let officer = Actor::system("officer@felpersham.test");
    let later = T0 + time::Duration::days(3);
    let v = store
        .review_line(
            &officer,
            later,
            r.lines[0].id,
            &Review {
                status: LineStatus::Verified,
                comment: String::new(),
            },
        )
        .await
        .unwrap();
    assert_eq!(v.status, LineStatus::Verified);
    assert_eq!(v.reviewed_by.as_deref(), Some("officer@felpersham.test"));
    assert_eq!(v.reviewed_at, Some(later));
    // A rejection needs a comment; without one nothing changes.
    let no_comment = store
        .review_line(
            &officer,
            later,
            r.lines[1].id,
            &Review {
                status: LineStatus::Rejected,
                comment: "  ".into(),
            },
        )
        .await
        .unwrap_err();
    assert!(no_comment.to_string().contains("comment"), "{no_comment}");
    assert_eq!(
        store.delivery_return(r.id).await.unwrap().lines[1].status,
        LineStatus::Pending
    );
    let rej = store
        .review_line(
            &officer,
            later,
            r.lines[1].id,
            &Review {
                status: LineStatus::Rejected,
                comment: "The timesheets do not show this.".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(rej.comment, "The timesheets do not show this.");
    assert_eq!(store.line_return(rej.id).await.unwrap().id, r.id);
    let audit = store
        .audit(&AuditQuery {
            org_id: Some(f.org),
            limit: 2,
            newest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(audit[0].entity_type, "return_line");
    assert!(audit[0].before.as_deref().unwrap().contains("pending"));
    assert!(audit[0].after.as_deref().unwrap().contains("rejected"));
    assert!(
        store
            .review_line(
                &officer,
                later,
                999_999,
                &Review {
                    status: LineStatus::Verified,
                    comment: String::new()
                }
            )
            .await
            .is_err()
    );
    // Nothing is awaiting review any more.
    assert!(
        store
            .returns_awaiting_review(f.org, None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn portfolio_data_and_reminders_cover_the_organisation_only(store: &dyn Store, _raw: &Raw) {
    let f = fixture(store).await;
    let r = store
        .submit_return(&supplier_actor(), T0, &new_return(&f))
        .await
        .unwrap();
    let data = store.portfolio_data(f.org).await.unwrap();
    assert_eq!(
        data.contracts.len(),
        1,
        "the other organisation's contract is not here"
    );
    assert_eq!(data.contracts[0].commitments, f.contract.commitments);
    assert_eq!(data.contracts[0].start, f.contract.start);
    let mut lines: Vec<(String, Decimal)> = data
        .lines
        .iter()
        .map(|l| (l.measure.clone(), l.units))
        .collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![("OD01".into(), d("1.25")), ("OD02".into(), d("0.0001"))]
    );
    assert!(data.lines.iter().all(|l| l.contract_id == f.contract.id
        && (l.contract_year, l.quarter) == (1, 1)
        && l.status == LineStatus::Pending));
    let waiting = store.returns_awaiting_review(f.org, None).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].id, waiting[0].pending_lines), (r.id, 2));
    assert_eq!(waiting[0].contract_reference, "DEP-1");
    assert!(
        store
            .returns_awaiting_review(f.org, Some(f.s2))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.returned_periods(f.org, Some(f.s1)).await.unwrap(),
        vec![(f.contract.id, 1, 1)]
    );
    assert!(
        store
            .returned_periods(f.org, Some(f.s2))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .portfolio_data(f.other_contract.org_id)
            .await
            .unwrap()
            .lines
            .is_empty()
    );
}

#[test]
fn the_evidence_directory_keeps_content_by_hash() {
    let dir = tempfile::tempdir().unwrap();
    let ev = EvidenceDir::new(dir.path());
    let a = ev.put(b"%PDF-1.4 a").unwrap();
    assert!(a.created);
    assert!(!ev.put(b"%PDF-1.4 a").unwrap().created);
    let path = ev.path(&a.sha256).unwrap();
    assert!(path.starts_with(dir.path().join("evidence")));
    assert_eq!(std::fs::read(path).unwrap(), b"%PDF-1.4 a");
    assert_eq!(ev.count().unwrap(), 1);
}
