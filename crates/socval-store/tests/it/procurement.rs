//! The contract of `ProcurementStore` (procurements, sealed bids,
//! evaluation, award, contracts), run on SQLite always and on PostgreSQL in
//! the ignored `postgres` tests.

use std::str::FromStr;

use socval_core::Decimal;
use socval_store::procurement::*;
use socval_store::*;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

use crate::harness::Raw;

const T0: OffsetDateTime = datetime!(2025-04-01 09:00:00 UTC);
const DEADLINE: OffsetDateTime = datetime!(2025-05-01 12:00:00 UTC);

macro_rules! procurement_tests {
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

procurement_tests!(
    contracts_recorded_directly_keep_exact_commitments,
    bad_contracts_change_nothing,
    bids_are_sealed_until_the_deadline_and_late_bids_refused,
    bad_bids_change_nothing,
    evaluation_and_award_make_a_contract,
    drafts_only_are_edited_and_publishing_needs_suppliers,
);

/// A change that makes a valid request invalid.
type Change<T> = Box<dyn Fn(&mut T)>;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn cli() -> Actor {
    Actor::system("test")
}

struct Fixture {
    org: i64,
    other_org: i64,
    s1: i64,
    s2: i64,
    s_other: i64,
    framework: i64,
}

async fn fixture(store: &dyn Store) -> Fixture {
    let org = store
        .create_organisation(
            &cli(),
            T0,
            &NewOrganisation::new("rotherham", "Rotherham", OrgKind::Council),
        )
        .await
        .unwrap()
        .id;
    let other_org = store
        .create_organisation(
            &cli(),
            T0,
            &NewOrganisation::new("other", "Other", OrgKind::College),
        )
        .await
        .unwrap()
        .id;
    let supplier = async |org_id, name: &str| {
        store
            .create_supplier(
                &cli(),
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
    let s_other = supplier(other_org, "Elsewhere").await;
    let framework = store
        .create_framework(
            &cli(),
            T0,
            &NewFramework {
                org_id: org,
                name: "open-default".into(),
                edition: "2025".into(),
                format: FrameworkFormat::Toml,
                source: "[framework]\n".into(),
            },
        )
        .await
        .unwrap()
        .id;
    Fixture {
        org,
        other_org,
        s1,
        s2,
        s_other,
        framework,
    }
}

fn new_contract(f: &Fixture, reference: &str) -> NewContract {
    NewContract {
        org_id: f.org,
        supplier_id: f.s1,
        reference: reference.into(),
        title: "Highways maintenance".into(),
        category: "Places".into(),
        value_pence: 12_000_000_001,
        start: date!(2024 - 04 - 01),
        years: 3,
        framework_id: Some(f.framework),
        valuation_year: "2024/25".into(),
        evidence: Evidence::DeliveryPlan,
        commitments: vec![
            ContractCommitment {
                measure: "OD01".into(),
                contract_year: 1,
                units: d("2.50"),
                quarters: None,
            },
            ContractCommitment {
                measure: "OD02".into(),
                contract_year: 2,
                units: d("0.5229"),
                quarters: Some([d("0.5"), d("0"), d("0.0229"), d("0")]),
            },
        ],
    }
}

async fn count(raw: &Raw, sql: &'static str) -> String {
    raw.text(sql).await.unwrap().unwrap_or_default()
}

async fn contracts_recorded_directly_keep_exact_commitments(store: &dyn Store, _raw: &Raw) {
    let f = fixture(store).await;
    let audit_before = store.audit_count(Some(f.org)).await.unwrap();
    let c = store
        .create_contract(&cli(), T0, &new_contract(&f, "HW-001"))
        .await
        .unwrap();
    assert_eq!(c.org_id, f.org);
    assert_eq!(c.supplier_id, f.s1);
    assert_eq!((c.procurement_id, c.bid_id), (None, None));
    assert_eq!(c.value_pence, 12_000_000_001);
    assert_eq!(c.start, date!(2024 - 04 - 01));
    assert_eq!(c.created_at, T0);
    assert_eq!(c.commitments.len(), 2);
    // Exact decimals, as entered: nothing rounded away.
    assert_eq!(c.commitments[0].units.to_string(), "2.50");
    assert_eq!(c.commitments[1].units, d("0.5229"));
    assert_eq!(
        c.commitments[1].quarters,
        Some([d("0.5"), d("0"), d("0.0229"), d("0")])
    );
    assert_eq!(c.commitments[0].quarters, None);
    assert_eq!(store.contract(c.id).await.unwrap(), c);

    let mut other = new_contract(&f, "CL-002");
    other.supplier_id = f.s2;
    other.commitments.clear();
    let c2 = store.create_contract(&cli(), T0, &other).await.unwrap();
    let refs: Vec<String> = store
        .contracts(f.org)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.reference)
        .collect();
    assert_eq!(refs, ["CL-002", "HW-001"], "by reference");
    assert_eq!(
        store.supplier_contracts(f.s1).await.unwrap(),
        vec![c.clone()]
    );
    assert_eq!(store.supplier_contracts(f.s2).await.unwrap(), vec![c2]);
    assert!(store.contracts(f.other_org).await.unwrap().is_empty());

    // One audit row per contract, with the commitments in it.
    assert_eq!(
        store.audit_count(Some(f.org)).await.unwrap(),
        audit_before + 2
    );
    let rows = store
        .audit(&AuditQuery {
            org_id: Some(f.org),
            limit: 10,
            newest_first: true,
            ..Default::default()
        })
        .await
        .unwrap();
    let row = rows
        .iter()
        .find(|r| r.entity_id == c.id.to_string())
        .unwrap();
    assert_eq!(row.entity_type, "contract");
    assert!(
        row.after.as_deref().unwrap().contains("\"0.5229\""),
        "{row:?}"
    );
    assert!(
        row.after
            .as_deref()
            .unwrap()
            .contains("\"start\":\"2024-04-01\"")
    );
    assert!(matches!(
        store.contract(c.id + 100).await,
        Err(Error::NotFound { .. })
    ));
}

async fn bad_contracts_change_nothing(store: &dyn Store, raw: &Raw) {
    let f = fixture(store).await;
    store
        .create_contract(&cli(), T0, &new_contract(&f, "HW-001"))
        .await
        .unwrap();
    let contracts = count(raw, "SELECT CAST(COUNT(*) AS TEXT) FROM contracts").await;
    let lines = count(
        raw,
        "SELECT CAST(COUNT(*) AS TEXT) FROM contract_commitments",
    )
    .await;
    let audit = store.audit_count(None).await.unwrap();

    let again = store
        .create_contract(&cli(), T0, &new_contract(&f, "hw-001"))
        .await;
    assert!(
        matches!(&again, Err(Error::Conflict { detail }) if detail.contains("reference")),
        "{again:?}"
    );
    let cases: Vec<(Change<NewContract>, &str)> = vec![
        (Box::new(|c| c.commitments[0].units = d("-1")), "negative"),
        (
            Box::new(|c| c.commitments[1].contract_year = 4),
            "contract year 4",
        ),
        (
            Box::new(|c| c.commitments[1].contract_year = 0),
            "contract year 0",
        ),
        (
            Box::new(|c| c.commitments[1].quarters = Some([d("1"), d("0"), d("0"), d("0")])),
            "quarters add up",
        ),
        (
            Box::new(|c| {
                let dup = c.commitments[0].clone();
                c.commitments.push(dup)
            }),
            "twice",
        ),
        (Box::new(|c| c.reference = "  ".into()), "reference"),
        (
            Box::new(|c| c.valuation_year = "2024".into()),
            "valuation_year",
        ),
        (Box::new(|c| c.years = 0), "years"),
    ];
    for (i, (change, want)) in cases.into_iter().enumerate() {
        let mut c = new_contract(&f, &format!("NEW-{i}"));
        change(&mut c);
        let r = store.create_contract(&cli(), T0, &c).await;
        assert!(
            matches!(&r, Err(Error::Invalid { detail }) if detail.contains(want)),
            "want {want}: {r:?}"
        );
    }
    // A supplier or framework of another organisation.
    let mut c = new_contract(&f, "NEW-X");
    c.supplier_id = f.s_other;
    let r = store.create_contract(&cli(), T0, &c).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("supplier")),
        "{r:?}"
    );
    let mut c = new_contract(&f, "NEW-Y");
    c.org_id = f.other_org;
    c.supplier_id = f.s_other;
    let r = store.create_contract(&cli(), T0, &c).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("framework")),
        "{r:?}"
    );
    assert_eq!(
        count(raw, "SELECT CAST(COUNT(*) AS TEXT) FROM contracts").await,
        contracts
    );
    assert_eq!(
        count(
            raw,
            "SELECT CAST(COUNT(*) AS TEXT) FROM contract_commitments"
        )
        .await,
        lines
    );
    assert_eq!(store.audit_count(None).await.unwrap(), audit);
}

fn new_procurement(f: &Fixture) -> NewProcurement {
    NewProcurement {
        org_id: f.org,
        reference: "RMBC-2025-014".into(),
        title: "Depot refurbishment".into(),
        category: "Places".into(),
        estimated_value_pence: 120_000_000,
        framework_id: f.framework,
        valuation_year: "2025/26".into(),
        contract_years: 2,
        weights: ProcurementWeights {
            price: d("50"),
            quality: d("30"),
            social_value: d("20"),
            sv_quantitative_share: d("0.5"),
        },
        sv_required: true,
        evidence: Evidence::DeliveryPlan,
        deadline: DEADLINE,
        measures: vec!["OD01".into(), "OD02".into()],
        suppliers: vec![f.s1, f.s2],
    }
}

fn new_bid(p: &Procurement, supplier_id: i64, price_pence: i64) -> NewBid {
    NewBid {
        procurement_id: p.id,
        supplier_id,
        price_pence,
        quality_reference: format!("QR-{supplier_id}"),
        commitments: vec![
            Commitment {
                measure: "od01".into(),
                contract_year: 1,
                units: d("3"),
            },
            Commitment {
                measure: "OD02".into(),
                contract_year: 2,
                units: d("1.25"),
            },
        ],
        document: Some(NewDocument {
            filename: "plan.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 delivery plan".to_vec(),
        }),
    }
}

async fn open_procurement(store: &dyn Store, f: &Fixture) -> Procurement {
    let p = store
        .create_procurement(&cli(), T0, &new_procurement(f))
        .await
        .unwrap();
    store.publish_procurement(&cli(), T0, p.id).await.unwrap()
}

async fn bids_are_sealed_until_the_deadline_and_late_bids_refused(store: &dyn Store, _raw: &Raw) {
    let f = fixture(store).await;
    let p = open_procurement(store, &f).await;
    assert_eq!(p.state, ProcurementState::Open);
    let before = DEADLINE - Duration::hours(1);
    let b1 = store
        .submit_bid(&cli(), T0, &new_bid(&p, f.s1, 99_000_000))
        .await
        .unwrap();
    assert_eq!(b1.revision, 1);
    assert_eq!(
        b1.commitments[0].measure, "OD01",
        "as the procurement spells it"
    );
    assert_eq!(b1.document.as_ref().unwrap().size_bytes, 22);
    // Double submission: refused, revise instead.
    let again = store.submit_bid(&cli(), T0, &new_bid(&p, f.s1, 1)).await;
    assert!(matches!(again, Err(Error::Conflict { .. })), "{again:?}");
    // Revision before the deadline; a revision without a document keeps it.
    let mut rev = new_bid(&p, f.s1, 98_500_000);
    rev.document = None;
    let b1 = store.revise_bid(&cli(), before, b1.id, &rev).await.unwrap();
    assert_eq!((b1.revision, b1.price_pence), (2, 98_500_000));
    assert_eq!(b1.document.as_ref().unwrap().filename, "plan.pdf");
    assert_eq!(b1.updated_at, before);
    // Another supplier cannot revise it.
    let r = store
        .revise_bid(&cli(), before, b1.id, &new_bid(&p, f.s2, 5))
        .await;
    assert!(matches!(r, Err(Error::NotFound { .. })), "{r:?}");

    // Before the deadline: receipts only, content refused.
    let receipts = store.bid_receipts(p.id).await.unwrap();
    assert_eq!(receipts.len(), 1);
    assert_eq!((receipts[0].supplier_id, receipts[0].revision), (f.s1, 2));
    let sealed = store.opened_bids(p.id, before).await;
    assert!(
        matches!(&sealed, Err(Error::Invalid { detail }) if detail.contains("sealed")),
        "{sealed:?}"
    );
    assert!(store.open_bids(&cli(), before, p.id).await.is_err());
    // The supplier sees its own bid, and only its own.
    assert_eq!(store.supplier_bid(p.id, f.s1).await.unwrap(), b1);
    assert!(matches!(
        store.supplier_bid(p.id, f.s2).await,
        Err(Error::NotFound { .. })
    ));
    // The audit log carries no content of a bid.
    let rows = store
        .audit(&AuditQuery {
            org_id: Some(f.org),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let bid_rows: Vec<_> = rows.iter().filter(|r| r.entity_type == "bid").collect();
    assert_eq!(bid_rows.len(), 2, "submitted and revised");
    for r in bid_rows {
        for text in [r.before.as_deref(), r.after.as_deref()]
            .into_iter()
            .flatten()
        {
            assert!(
                !text.contains("98500000")
                    && !text.contains("99000000")
                    && !text.contains("QR-")
                    && !text.contains("1.25"),
                "bid content in the audit log: {text}"
            );
            assert!(text.contains("content_sha256"), "{text}");
        }
    }

    // At the deadline: late bids and revisions are refused, nothing changes.
    let late = store
        .submit_bid(&cli(), DEADLINE, &new_bid(&p, f.s2, 80_000_000))
        .await;
    assert!(
        matches!(&late, Err(Error::Invalid { detail }) if detail.contains("late bids are refused")),
        "{late:?}"
    );
    let late = store.revise_bid(&cli(), DEADLINE, b1.id, &rev).await;
    assert!(matches!(late, Err(Error::Invalid { .. })), "{late:?}");
    assert_eq!(store.bid_receipts(p.id).await.unwrap().len(), 1);
    assert_eq!(store.supplier_bid(p.id, f.s1).await.unwrap().revision, 2);

    // After it: the content opens.
    let opened = store.opened_bids(p.id, DEADLINE).await.unwrap();
    assert_eq!(opened, vec![b1.clone()]);
    let (info, bytes) = store.bid_document(b1.id).await.unwrap();
    assert_eq!(info.filename, "plan.pdf");
    assert_eq!(bytes, b"%PDF-1.4 delivery plan");
    let p = store.open_bids(&cli(), DEADLINE, p.id).await.unwrap();
    assert_eq!(p.state, ProcurementState::Closed);
}

async fn bad_bids_change_nothing(store: &dyn Store, raw: &Raw) {
    let f = fixture(store).await;
    let p = open_procurement(store, &f).await;
    let audit = store.audit_count(None).await.unwrap();
    let cases: Vec<(Change<NewBid>, &str)> = vec![
        (Box::new(|b| b.commitments[0].units = d("-2")), "negative"),
        (
            Box::new(|b| b.commitments[0].measure = "Free lunches".into()),
            "not one this procurement offers",
        ),
        (
            Box::new(|b| b.commitments[1].contract_year = 3),
            "contract year 3",
        ),
        (Box::new(|b| b.price_pence = 0), "price"),
        (
            Box::new(|b| {
                let dup = b.commitments[0].clone();
                b.commitments.push(dup)
            }),
            "twice",
        ),
    ];
    for (change, want) in cases {
        let mut b = new_bid(&p, f.s1, 100);
        change(&mut b);
        let r = store.submit_bid(&cli(), T0, &b).await;
        assert!(
            matches!(&r, Err(Error::Invalid { detail }) if detail.contains(want)),
            "want {want}: {r:?}"
        );
    }
    // A supplier not invited (another organisation's).
    let r = store
        .submit_bid(&cli(), T0, &new_bid(&p, f.s_other, 100))
        .await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("not invited")),
        "{r:?}"
    );
    // A draft takes no bids.
    let mut np = new_procurement(&f);
    np.reference = "DRAFT-1".into();
    let draft = store.create_procurement(&cli(), T0, &np).await.unwrap();
    let r = store
        .submit_bid(&cli(), T0, &new_bid(&draft, f.s1, 100))
        .await;
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    let audit_after_draft = audit + 1;
    assert_eq!(store.audit_count(None).await.unwrap(), audit_after_draft);
    for table in ["bids", "bid_commitments", "bid_documents"] {
        let sql: &'static str = match table {
            "bids" => "SELECT CAST(COUNT(*) AS TEXT) FROM bids",
            "bid_commitments" => "SELECT CAST(COUNT(*) AS TEXT) FROM bid_commitments",
            _ => "SELECT CAST(COUNT(*) AS TEXT) FROM bid_documents",
        };
        assert_eq!(count(raw, sql).await, "0", "{table}");
    }
}

async fn evaluation_and_award_make_a_contract(store: &dyn Store, _raw: &Raw) {
    let f = fixture(store).await;
    let p = open_procurement(store, &f).await;
    let b1 = store
        .submit_bid(&cli(), T0, &new_bid(&p, f.s1, 100_000_000))
        .await
        .unwrap();
    let b2 = store
        .submit_bid(&cli(), T0, &new_bid(&p, f.s2, 80_000_000))
        .await
        .unwrap();
    let after = DEADLINE + Duration::days(1);
    // Scores only once the bids are opened.
    let score = Score {
        quality_score: d("80"),
        sv_qualitative_score: d("50"),
        comment: "Good plan".into(),
    };
    assert!(store.score_bid(&cli(), after, b1.id, &score).await.is_err());
    store.open_bids(&cli(), after, p.id).await.unwrap();
    let bad = Score {
        quality_score: d("101"),
        ..score.clone()
    };
    let r = store.score_bid(&cli(), after, b1.id, &bad).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("quality_score")),
        "{r:?}"
    );
    let b1 = store.score_bid(&cli(), after, b1.id, &score).await.unwrap();
    assert_eq!(b1.score.as_ref().unwrap().quality_score, d("80"));
    // Evaluation needs every bid scored.
    let ranked = [
        Ranked {
            bid_id: b2.id,
            rank: 1,
            total_score: d("83.0000"),
        },
        Ranked {
            bid_id: b1.id,
            rank: 2,
            total_score: d("79"),
        },
    ];
    let r = store
        .complete_evaluation(&cli(), after, p.id, &ranked)
        .await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("no scores")),
        "{r:?}"
    );
    store
        .score_bid(
            &cli(),
            after,
            b2.id,
            &Score {
                quality_score: d("60"),
                sv_qualitative_score: d("100"),
                comment: String::new(),
            },
        )
        .await
        .unwrap();
    let r = store
        .complete_evaluation(&cli(), after, p.id, &ranked[..1])
        .await;
    assert!(matches!(r, Err(Error::Invalid { .. })), "{r:?}");
    let p2 = store
        .complete_evaluation(&cli(), after, p.id, &ranked)
        .await
        .unwrap();
    assert_eq!(p2.state, ProcurementState::Evaluated);
    let opened = store.opened_bids(p.id, after).await.unwrap();
    let b2o = opened.iter().find(|b| b.id == b2.id).unwrap();
    assert_eq!((b2o.rank, b2o.total_score), (Some(1), Some(d("83.0000"))));
    // Scores are frozen now.
    assert!(store.score_bid(&cli(), after, b1.id, &score).await.is_err());

    // The award goes to a bid ranked first.
    let award = |bid_id| Award {
        bid_id,
        contract_reference: String::new(),
        start: date!(2025 - 07 - 01),
    };
    let r = store.award(&cli(), after, p.id, &award(b1.id)).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("ranked 2")),
        "{r:?}"
    );
    let c = store
        .award(&cli(), after, p.id, &award(b2.id))
        .await
        .unwrap();
    assert_eq!(c.reference, "RMBC-2025-014");
    assert_eq!((c.procurement_id, c.bid_id), (Some(p.id), Some(b2.id)));
    assert_eq!(
        (c.supplier_id, c.value_pence, c.years),
        (f.s2, 80_000_000, 2)
    );
    assert_eq!(c.framework_id, Some(f.framework));
    assert_eq!(c.valuation_year, "2025/26");
    let units: Vec<(String, i64, Decimal)> = c
        .commitments
        .iter()
        .map(|k| (k.measure.clone(), k.contract_year, k.units))
        .collect();
    assert_eq!(
        units,
        [
            ("OD01".to_owned(), 1, d("3")),
            ("OD02".to_owned(), 2, d("1.25"))
        ]
    );
    assert_eq!(
        store.procurement(p.id).await.unwrap().state,
        ProcurementState::Awarded
    );
    assert_eq!(
        store.supplier_contracts(f.s2).await.unwrap(),
        vec![c.clone()]
    );
    // Awarded once only; an awarded procurement cannot be cancelled.
    assert!(
        store
            .award(&cli(), after, p.id, &award(b2.id))
            .await
            .is_err()
    );
    assert!(store.cancel_procurement(&cli(), after, p.id).await.is_err());
    assert_eq!(store.contracts(f.org).await.unwrap().len(), 1);
}

async fn drafts_only_are_edited_and_publishing_needs_suppliers(store: &dyn Store, _raw: &Raw) {
    let f = fixture(store).await;
    let mut np = new_procurement(&f);
    np.suppliers.clear();
    let p = store.create_procurement(&cli(), T0, &np).await.unwrap();
    assert_eq!(p.state, ProcurementState::Draft);
    assert_eq!(p.measures, ["OD01", "OD02"]);
    assert_eq!(p.weights.sv_quantitative_share, d("0.5"));
    assert_eq!(p.deadline, DEADLINE);
    let r = store.publish_procurement(&cli(), T0, p.id).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("suppliers")),
        "{r:?}"
    );
    // Suppliers do not see drafts.
    np.suppliers = vec![f.s1, f.s1];
    np.title = "Depot refurbishment (phase 2)".into();
    let p = store
        .update_procurement(&cli(), T0, p.id, &np)
        .await
        .unwrap();
    assert_eq!(p.suppliers, [f.s1]);
    assert_eq!(p.title, "Depot refurbishment (phase 2)");
    assert!(store.supplier_procurements(f.s1).await.unwrap().is_empty());
    // Weights must add up; another organisation's supplier is refused.
    let mut bad = np.clone();
    bad.weights.price = d("60");
    let r = store.update_procurement(&cli(), T0, p.id, &bad).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("100")),
        "{r:?}"
    );
    let mut bad = np.clone();
    bad.suppliers = vec![f.s_other];
    let r = store.update_procurement(&cli(), T0, p.id, &bad).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("suppliers")),
        "{r:?}"
    );
    assert_eq!(store.procurement(p.id).await.unwrap(), p, "nothing changed");
    // A deadline already passed cannot be published.
    let r = store.publish_procurement(&cli(), DEADLINE, p.id).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("deadline")),
        "{r:?}"
    );
    let open = store.publish_procurement(&cli(), T0, p.id).await.unwrap();
    assert_eq!(open.state, ProcurementState::Open);
    assert_eq!(
        store.supplier_procurements(f.s1).await.unwrap(),
        vec![open.clone()]
    );
    assert!(store.supplier_procurements(f.s2).await.unwrap().is_empty());
    let r = store.update_procurement(&cli(), T0, p.id, &np).await;
    assert!(
        matches!(&r, Err(Error::Invalid { detail }) if detail.contains("only a draft")),
        "{r:?}"
    );
    // Duplicate reference in the organisation.
    let r = store.create_procurement(&cli(), T0, &np).await;
    assert!(matches!(r, Err(Error::Conflict { .. })), "{r:?}");
    assert_eq!(store.procurements(f.org).await.unwrap(), vec![open.clone()]);
    let cancelled = store.cancel_procurement(&cli(), T0, p.id).await.unwrap();
    assert_eq!(cancelled.state, ProcurementState::Cancelled);
    assert_eq!(cancelled.state_at(DEADLINE), ProcurementState::Cancelled);
    assert_eq!(open.state_at(DEADLINE), ProcurementState::Closed);
}
