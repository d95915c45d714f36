//! No request a user can make is answered with a server error: every route
//! of the portal's table, with made-up ids, years, numbers and strings in
//! its path, query and body, as every kind of caller (signed out, each role,
//! a supplier, API tokens), driven through the router. Thousands of cases
//! (`PROPTEST_CASES` to change); a failure prints the request, shrunk.

use axum::body::Body;
use axum::http::{Method, Request, header};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunConfig, TestCaseError, TestRunner};

use crate::support::{World, world};

/// A path parameter: mostly this organisation and the small ids the
/// fixture's records have, so that requests reach past the guards into the
/// handlers; otherwise any made-up value.
fn param() -> BoxedStrategy<String> {
    prop_oneof![
        3 => Just("a".to_owned()),
        3 => (1i64..12).prop_map(|n| n.to_string()),
        1 => Just("2025-26".to_owned()),
        3 => value(),
    ]
    .boxed()
}

/// A value a person might put where an id, a year, a slug or a number goes.
fn value() -> BoxedStrategy<String> {
    prop_oneof![
        // Ids: real ones are small; huge, negative and zero ones are not.
        (-3i64..40).prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        Just("99999999999999999999999999999".to_owned()),
        Just("79228162514264337593543950335".to_owned()),
        // Years, good and impossible.
        Just("2025-26".to_owned()),
        Just("9999-00".to_owned()),
        Just("0000-01".to_owned()),
        Just("2025/26".to_owned()),
        // Slugs of this organisation and the other, and none.
        Just("a".to_owned()),
        Just("b".to_owned()),
        // Numbers as people type them, and not.
        Just("-1".to_owned()),
        Just("1e400".to_owned()),
        Just("0.0000000000000000000000000001".to_owned()),
        Just("£1,000,000,000,000,000".to_owned()),
        Just("NaN".to_owned()),
        // Dates.
        Just("9999-12-31".to_owned()),
        Just("0001-01-01".to_owned()),
        Just("-2024-01-01".to_owned()),
        // Text: encoded control characters, traversal, markup, long, odd.
        Just("%00".to_owned()),
        Just("%0a%0d".to_owned()),
        Just("..%2F..%2Fetc".to_owned()),
        Just("<script>".to_owned()),
        Just("x".repeat(5000)),
        "[a-z0-9 é£%-]{0,16}",
    ]
    .boxed()
}

/// Who makes the request.
#[derive(Clone, Copy, Debug)]
enum Caller {
    Anonymous,
    Session(usize),
    Token(usize),
}

fn caller() -> impl Strategy<Value = Caller> {
    prop_oneof![
        Just(Caller::Anonymous),
        (0usize..5).prop_map(Caller::Session),
        (0usize..4).prop_map(Caller::Token),
    ]
}

/// Field names the portal's forms and API bodies use.
const FIELDS: &[&str] = &[
    "units",
    "price",
    "quality_score",
    "sv_qualitative_score",
    "comment",
    "contract_years",
    "estimated_value",
    "price_weight",
    "quality_weight",
    "sv_weight",
    "sv_quantitative_share",
    "purchase_date",
    "value",
    "deadline",
    "start",
    "title",
    "reference",
    "category",
    "role",
    "email",
    "name",
    "password",
    "new_password",
    "next",
    "decision",
    "quarter",
    "contract_year",
    "narrative",
    "justification",
    "supplier",
    "measure",
    "framework",
    "year",
    "label",
    "valuation_year",
    "units-OD02",
    "units.OD01.1",
    "replace",
    "blank_amount",
];

/// A made-up request: a route of the table, its parameters, a query, a body.
#[derive(Clone, Debug)]
struct Made {
    route: usize,
    params: Vec<String>,
    query: Option<(String, String)>,
    fields: Vec<(String, String)>,
    json: bool,
    caller: Caller,
}

fn made() -> impl Strategy<Value = Made> {
    (
        0..socval_web::ROUTES.len(),
        proptest::collection::vec(param(), 4),
        proptest::option::of((proptest::sample::select(FIELDS), value())),
        proptest::collection::vec((proptest::sample::select(FIELDS), value()), 0..6),
        any::<bool>(),
        caller(),
    )
        .prop_map(|(route, params, query, fields, json, caller)| Made {
            route,
            params,
            query: query.map(|(k, v)| (k.to_owned(), v)),
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            json,
            caller,
        })
}

/// The path of `rule` with its `{params}` filled from `values`.
fn fill(path: &str, values: &[String]) -> String {
    let mut out = String::new();
    let mut rest = path;
    let mut i = 0;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(&values[i % values.len()]);
        i += 1;
        rest = &rest[close..];
    }
    out.push_str(rest);
    // Made-up text goes into the URL as a browser would send it.
    out.replace(' ', "%20")
        .replace('é', "%C3%A9")
        .replace('£', "%C2%A3")
        .replace('<', "%3C")
        .replace('>', "%3E")
}

async fn request(w: &World, m: &Made) -> (String, axum::http::StatusCode, String) {
    let rule = &socval_web::ROUTES[m.route];
    let mut uri = fill(rule.path, &m.params);
    if let Some((k, v)) = &m.query {
        uri.push('?');
        uri.push_str(&serde_urlencoded::to_string([(k, v)]).unwrap());
    }
    let method = if rule.method == "POST" {
        Method::POST
    } else {
        Method::GET
    };
    let mut b = Request::builder().method(method.clone()).uri(&uri);
    let mut fields = m.fields.clone();
    match m.caller {
        Caller::Anonymous => {}
        Caller::Session(i) => {
            let users = [w.admin, w.officer, w.viewer, w.supplier, w._admin_b];
            let s = w.session(users[i]).await;
            b = b.header(header::COOKIE, &s.cookie);
            fields.insert(0, ("csrf_token".to_owned(), s.csrf()));
        }
        Caller::Token(i) => {
            let tokens = [
                &w.token_admin,
                &w.token_officer,
                &w.token_viewer,
                &w.token_supplier,
            ];
            b = b.header(header::AUTHORIZATION, format!("Bearer {}", tokens[i]));
        }
    }
    let body = if method == Method::GET {
        Body::empty()
    } else if m.json {
        b = b.header(header::CONTENT_TYPE, "application/json");
        let obj: serde_json::Map<String, serde_json::Value> = fields
            .into_iter()
            .map(|(k, v)| {
                let v = v
                    .parse::<f64>()
                    .map_or(serde_json::Value::String(v), |f| serde_json::json!(f));
                (k, v)
            })
            .collect();
        Body::from(serde_json::Value::Object(obj).to_string())
    } else {
        b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        Body::from(serde_urlencoded::to_string(&fields).unwrap())
    };
    let reply = w.send(b.body(body).unwrap()).await;
    (format!("{} {uri}", rule.method), reply.status, reply.body)
}

#[test]
fn no_request_a_user_can_make_gets_a_server_error() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let w = rt.block_on(world());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3000);
    let mut runner = TestRunner::new(RunConfig {
        cases,
        failure_persistence: None,
        ..RunConfig::default()
    });
    let seen = std::sync::Mutex::new(std::collections::BTreeMap::<u16, u32>::new());
    let result = runner.run(&made(), |m| {
        let (what, status, body) = rt.block_on(request(&w, &m));
        *seen.lock().unwrap().entry(status.as_u16()).or_default() += 1;

        if status.is_server_error() {
            return Err(TestCaseError::fail(format!(
                "{what} as {:?} answered {status}: {}",
                m.caller,
                &body[..body.len().min(500)]
            )));
        }
        Ok(())
    });
    // What the cases were answered, to see they reach past the guards.
    eprintln!("answers by status: {:?}", seen.lock().unwrap());
    if let Err(e) = result {
        panic!("{e}");
    }
}
