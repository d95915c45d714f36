//! The contract of [`PurchaseStore`] (small purchases, quotes, sample
//! audits), run on SQLite always and on PostgreSQL in the ignored
//! `postgres` tests.

use socval_store::*;
use time::OffsetDateTime;
use time::macros::{date, datetime};

use crate::harness::Raw;

const T0: OffsetDateTime = datetime!(2025-06-01 09:00:00 UTC);

macro_rules! purchase_tests {
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

purchase_tests!(
    purchases_keep_their_quotes_exactly_and_are_audited,
    references_are_unique_per_organisation_ignoring_case,
    bad_purchases_change_nothing,
    updates_replace_the_quotes_and_record_before_and_after,
    audits_keep_the_sample_as_judged,
);

fn officer() -> Actor {
    Actor::system("officer@test")
}

async fn org(store: &dyn Store, slug: &str) -> Organisation {
    store
        .create_organisation(
            &officer(),
            T0,
            &NewOrganisation::new(slug, format!("{slug} council"), OrgKind::Council),
        )
        .await
        .unwrap()
}

fn quote(supplier: &str, pence: i64, location: QuoteLocation) -> PurchaseQuote {
    PurchaseQuote {
        supplier: supplier.into(),
        postcode: "ZZ1 4AB".into(),
        amount_pence: pence,
        location,
    }
}

fn new_purchase(org_id: i64, reference: &str) -> NewPurchase {
    NewPurchase {
        org_id,
        reference: reference.into(),
        description: "Printing of the tenants' newsletter".into(),
        value_pence: 2_499_999,
        purchase_date: date!(2025 - 05 - 20),
        justification: String::new(),
        quotes: vec![
            quote("Felpersham Print Ltd", 2_499_999, QuoteLocation::Local),
            quote("Borchester Press", 2_510_001, QuoteLocation::Region),
        ],
    }
}

async fn audit_rows(store: &dyn Store, entity: &str) -> Vec<AuditEntry> {
    store
        .audit(&AuditQuery {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity_type == entity)
        .collect()
}

async fn purchases_keep_their_quotes_exactly_and_are_audited(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "borsetshire").await;
    let mut older = new_purchase(o.id, "SP-001");
    older.purchase_date = date!(2025 - 04 - 02);
    older
        .quotes
        .push(quote("Ambridge Signs", 1, QuoteLocation::Outside));
    // A quoting supplier is always placed: an unknown location is refused.
    let mut unplaced = new_purchase(o.id, "SP-000");
    unplaced
        .quotes
        .push(quote("Nowhere Ltd", 1, QuoteLocation::Unknown));
    let refused = store.create_purchase(&officer(), T0, &unplaced).await;
    assert!(
        matches!(&refused, Err(socval_store::Error::Invalid { detail }) if detail.contains("quote 3")),
        "{refused:?}"
    );
    let a = store.create_purchase(&officer(), T0, &older).await.unwrap();
    let b = store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "SP-002"))
        .await
        .unwrap();
    assert_eq!(a.reference, "SP-001");
    assert_eq!(a.value_pence, 2_499_999, "£24,999.99 to the penny");
    assert_eq!(a.purchase_date, date!(2025 - 04 - 02));
    assert_eq!(
        a.quotes
            .iter()
            .map(|q| (q.supplier.as_str(), q.amount_pence, q.location))
            .collect::<Vec<_>>(),
        vec![
            ("Felpersham Print Ltd", 2_499_999, QuoteLocation::Local),
            ("Borchester Press", 2_510_001, QuoteLocation::Region),
            ("Ambridge Signs", 1, QuoteLocation::Outside),
        ],
        "quotes in the order entered"
    );
    assert_eq!(store.purchase(a.id).await.unwrap(), a);
    let listed = store.purchases(o.id).await.unwrap();
    assert_eq!(listed, vec![b.clone(), a.clone()], "newest purchase first");
    let other = org(store, "elsewhere").await;
    assert!(store.purchases(other.id).await.unwrap().is_empty());
    assert!(matches!(
        store.purchase(a.id + 100).await,
        Err(Error::NotFound { .. })
    ));
    let rows = audit_rows(store, "purchase").await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].action, AuditAction::Create);
    assert_eq!(rows[0].org_id, Some(o.id));
    assert_eq!(rows[0].actor, "officer@test");
    let after = rows[0].after.as_deref().unwrap();
    assert!(
        after.contains("\"SP-001\"") && after.contains("Ambridge Signs"),
        "{after}"
    );
}

async fn references_are_unique_per_organisation_ignoring_case(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "borsetshire").await;
    let other = org(store, "felpersham").await;
    store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "SP-001"))
        .await
        .unwrap();
    let again = store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "sp-001"))
        .await;
    match again {
        Err(Error::Conflict { detail }) => {
            assert!(detail.contains("sp-001"), "{detail}")
        }
        other => panic!("want a conflict, got {other:?}"),
    }
    store
        .create_purchase(&officer(), T0, &new_purchase(other.id, "SP-001"))
        .await
        .expect("another organisation may use the same reference");
    let second = store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "SP-002"))
        .await
        .unwrap();
    let renamed = store
        .update_purchase(&officer(), T0, second.id, &new_purchase(o.id, "Sp-001"))
        .await;
    assert!(
        matches!(renamed, Err(Error::Conflict { .. })),
        "{renamed:?}"
    );
    assert_eq!(
        store.purchase(second.id).await.unwrap().reference,
        "SP-002",
        "a refused rename changes nothing"
    );
}

async fn bad_purchases_change_nothing(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "borsetshire").await;
    let before = store.audit_count(None).await.unwrap();
    let mut none = new_purchase(o.id, "SP-001");
    none.quotes.clear();
    let mut zero = new_purchase(o.id, "SP-001");
    zero.quotes[1].amount_pence = 0;
    let mut negative = new_purchase(o.id, "SP-001");
    negative.value_pence = -5;
    let mut nameless = new_purchase(o.id, "SP-001");
    nameless.quotes[0].supplier = "  ".into();
    let mut no_org = new_purchase(o.id + 99, "SP-001");
    no_org.reference = "SP-X".into();
    for (what, bad, want) in [
        ("no quotes", none, "at least one quote"),
        ("a zero quote", zero, "quote 2"),
        ("a negative value", negative, "above £0"),
        ("a quote without supplier", nameless, "quote 1"),
        ("an unknown organisation", no_org, ""),
    ] {
        match store.create_purchase(&officer(), T0, &bad).await {
            Err(Error::Invalid { detail }) => assert!(detail.contains(want), "{what}: {detail}"),
            other => panic!("{what}: want Invalid, got {other:?}"),
        }
    }
    assert!(store.purchases(o.id).await.unwrap().is_empty());
    assert_eq!(store.audit_count(None).await.unwrap(), before);

    let good = store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "SP-001"))
        .await
        .unwrap();
    let mut bad = new_purchase(o.id, "SP-001");
    bad.quotes.clear();
    assert!(
        store
            .update_purchase(&officer(), T0, good.id, &bad)
            .await
            .is_err()
    );
    assert_eq!(store.purchase(good.id).await.unwrap(), good);
    assert!(matches!(
        store
            .update_purchase(&officer(), T0, good.id + 50, &new_purchase(o.id, "SP-9"))
            .await,
        Err(Error::NotFound { .. })
    ));
    assert_eq!(store.audit_count(None).await.unwrap(), before + 1);
}

async fn updates_replace_the_quotes_and_record_before_and_after(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "borsetshire").await;
    let p = store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "SP-001"))
        .await
        .unwrap();
    let mut changed = new_purchase(o.id, "SP-001A");
    changed.quotes = vec![quote(
        "Penny Hassett Joinery",
        1_200_050,
        QuoteLocation::Region,
    )];
    changed.justification = "No local joiner could do it in time".into();
    let later = T0 + time::Duration::days(3);
    let after = store
        .update_purchase(&Actor::system("second@test"), later, p.id, &changed)
        .await
        .unwrap();
    assert_eq!(after.reference, "SP-001A");
    assert_eq!(after.quotes, changed.quotes);
    assert_eq!(after.justification, "No local joiner could do it in time");
    assert_eq!((after.created_at, after.updated_at), (T0, later));
    assert_eq!(store.purchase(p.id).await.unwrap(), after);
    let rows = audit_rows(store, "purchase").await;
    let update = rows.last().unwrap();
    assert_eq!(update.action, AuditAction::Update);
    assert_eq!(update.actor, "second@test");
    assert!(
        update
            .before
            .as_deref()
            .unwrap()
            .contains("Borchester Press")
            && update
                .after
                .as_deref()
                .unwrap()
                .contains("Penny Hassett Joinery"),
        "{update:?}"
    );
}

async fn audits_keep_the_sample_as_judged(store: &dyn Store, _raw: &Raw) {
    let o = org(store, "borsetshire").await;
    let p = store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "SP-001"))
        .await
        .unwrap();
    let q = store
        .create_purchase(&officer(), T0, &new_purchase(o.id, "SP-002"))
        .await
        .unwrap();
    let percent: socval_core::Decimal = "66.666666666666666666666666667".parse().unwrap();
    let new = NewPurchaseAudit {
        org_id: o.id,
        seed: 9_007_199_254_740_993,
        sample_size: 3,
        financial_year: "2025/26".into(),
        threshold_pence: 2_500_000,
        population: 3,
        compliant: 2,
        compliance_percent: percent,
        opinion: AuditOpinion::Limited,
        items: vec![
            PurchaseAuditItem {
                position: 1,
                purchase_id: Some(q.id),
                reference: "SP-002".into(),
                value_pence: 2_499_999,
                compliant: false,
                reasons: vec![
                    "1 quote(s) from different suppliers; at least 2 needed".into(),
                    "no quote from a local supplier".into(),
                ],
            },
            PurchaseAuditItem {
                position: 2,
                purchase_id: Some(p.id),
                reference: "SP-001".into(),
                value_pence: 2_499_999,
                compliant: true,
                reasons: vec![],
            },
        ],
    };
    let later = T0 + time::Duration::hours(1);
    let a = store
        .create_purchase_audit(&officer(), later, &new)
        .await
        .unwrap();
    assert_eq!(a.seed, 9_007_199_254_740_993, "seeds beyond 2^53 are exact");
    assert_eq!(a.compliance_percent, percent, "the percentage is exact");
    assert_eq!(a.opinion, AuditOpinion::Limited);
    assert_eq!(a.items, new.items, "the sample in the order drawn");
    assert_eq!(a.created_at, later);
    assert_eq!(store.purchase_audit(a.id).await.unwrap(), a);

    // A later edit of a sampled purchase leaves the audit as it was.
    let mut changed = new_purchase(o.id, "SP-001-RENAMED");
    changed.value_pence = 100;
    store
        .update_purchase(&officer(), later, p.id, &changed)
        .await
        .unwrap();
    assert_eq!(store.purchase_audit(a.id).await.unwrap(), a);

    let mut second = new.clone();
    second.seed = 1;
    second.items.truncate(1);
    let b = store
        .create_purchase_audit(&officer(), later, &second)
        .await
        .unwrap();
    assert_eq!(
        store
            .purchase_audits(o.id)
            .await
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        vec![b.id, a.id],
        "newest first"
    );
    let rows = audit_rows(store, "purchase_audit").await;
    assert_eq!(rows.len(), 2);
    assert!(rows[0].after.as_deref().unwrap().contains("SP-002"));

    let mut bad = new.clone();
    bad.seed = -1;
    assert!(matches!(
        store.create_purchase_audit(&officer(), later, &bad).await,
        Err(Error::Invalid { .. })
    ));
    assert_eq!(store.purchase_audits(o.id).await.unwrap().len(), 2);
}
