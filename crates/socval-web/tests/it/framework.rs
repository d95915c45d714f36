//! Importing frameworks (all or nothing, problems shown with their line)
//! and browsing them, in pages and through the API.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::support::{OPEN_DEFAULT, world};

#[tokio::test]
async fn an_officer_imports_a_toml_framework_and_browses_it_by_year() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let source = OPEN_DEFAULT.replace("edition = \"2025\"", "edition = \"2026\"");
    let r = w
        .post_multipart(
            "/orgs/a/frameworks",
            &officer.cookie,
            &[("csrf_token", &officer.csrf())],
            Some(("open.toml", &source)),
        )
        .await;
    r.assert_status(StatusCode::SEE_OTHER);
    let page = w.get(r.location(), Some(&officer)).await;
    page.assert_status(StatusCode::OK);
    assert!(page.body.contains("Open default social value framework"));
    assert!(page.body.contains("OD02"));
    assert!(
        page.body.contains("<option value=\"2025/26\" selected>"),
        "the latest year by default"
    );
    let older = w
        .get(&format!("{}?year=2023/24", r.location()), Some(&officer))
        .await;
    assert!(older.body.contains("<option value=\"2023/24\" selected>"));
    assert_ne!(older.body, page.body, "another year shows other proxies");
    // The same edition again is refused, and nothing is added.
    let again = w
        .post_multipart(
            "/orgs/a/frameworks",
            &officer.cookie,
            &[("csrf_token", &officer.csrf())],
            Some(("open.toml", &source)),
        )
        .await;
    again.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.body.contains("already has open-default edition 2026"));
    assert_eq!(w.store.frameworks(w.org_a).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_bad_file_is_refused_with_its_line_and_nothing_is_saved() {
    let w = world().await;
    let officer = w.session(w.officer).await;
    let csrf = officer.csrf();
    let broken = OPEN_DEFAULT
        .replace("edition = \"2025\"", "edition = \"2030\"")
        .replacen("unit = \"hours\"", "unit = hours", 1);
    let bad_unit = OPEN_DEFAULT
        .replace("edition = \"2025\"", "edition = \"2031\"")
        .replacen("unit = \"hours\"", "unit = \"parsecs\"", 1);
    // (what, extra form fields, file (name, content), message expected)
    type Case<'a> = (
        &'a str,
        Vec<(&'a str, &'a str)>,
        Option<(&'a str, &'a str)>,
        &'a str,
    );
    let long_edition = "9".repeat(301);
    let cases: Vec<Case> = vec![
        ("no file", vec![], None, "Select a framework file"),
        (
            "wrong type",
            vec![],
            Some(("framework.xlsx", "x")),
            "ending in .toml or .csv",
        ),
        (
            "empty",
            vec![],
            Some(("empty.toml", "")),
            "The selected file is empty",
        ),
        (
            "TOML syntax",
            vec![],
            Some(("broken.toml", &broken)),
            "broken.toml",
        ),
        (
            "invalid unit",
            vec![],
            Some(("unit.toml", &bad_unit)),
            "parsecs",
        ),
        (
            "CSV without a name",
            vec![("edition", "1")],
            Some(("f.csv", "theme,outcome,code,title,unit,kind,year,proxy\n")),
            "a CSV file does not say it",
        ),
        (
            "CSV bad proxy",
            vec![("name", "my-toms"), ("edition", "1")],
            Some((
                "f.csv",
                "theme,outcome,code,title,unit,kind,year,proxy\nJobs,Local jobs,J1,Local FTE,fte,per_unit,2024/25,lots\n",
            )),
            "line 2",
        ),
        (
            // A browser sends CRLF line ends; the bad line is the file's 4th.
            "CSV line numbers with CRLF and a blank line",
            vec![("name", "my-toms"), ("edition", "1")],
            Some((
                "f.csv",
                "theme,outcome,code,title,unit,kind,year,proxy\r\nJobs,Local jobs,J1,Local FTE,fte,per_unit,2024/25,1.50\r\n\r\nJobs,Local jobs,J2,Local FTE,fte,per_unit,2024/25,lots\r\n",
            )),
            "line 4,",
        ),
        (
            "CSV edition past the limit",
            vec![("name", "my-toms"), ("edition", long_edition.as_str())],
            Some((
                "f.csv",
                "theme,outcome,code,title,unit,kind,year,proxy\nJobs,Local jobs,J1,Local FTE,fte,per_unit,2024/25,1.50\n",
            )),
            "Edition must be 300 characters or fewer",
        ),
    ];
    for (what, fields, file, message) in cases {
        let mut all = vec![("csrf_token", csrf.as_str())];
        all.extend(fields.iter().copied());
        let r = w
            .post_multipart("/orgs/a/frameworks", &officer.cookie, &all, file)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            r.body
        );
        assert!(r.body.contains("There is a problem"), "{what}");
        assert!(
            r.body.contains(message),
            "{what}: expected {message:?} in\n{}",
            r.body
        );
        if let Some(name) = fields.iter().find(|(k, _)| *k == "name") {
            assert!(
                r.body.contains(&format!("value=\"{}\"", name.1)),
                "{what}: the name is kept"
            );
        }
    }
    assert_eq!(
        w.store.frameworks(w.org_a).await.unwrap().len(),
        1,
        "nothing saved"
    );
}

#[tokio::test]
async fn a_csv_framework_imports_through_the_api_with_a_token() {
    let w = world().await;
    let csv = "theme,outcome,code,title,unit,kind,year,proxy\nJobs,Local jobs,J1,Local people employed (FTE),fte,per_unit,2024/25,26273.47\nJobs,Local jobs,J1,Local people employed (FTE),fte,per_unit,2025/26,27000\n";
    let body =
        serde_json::json!({"format": "csv", "source": csv, "name": "my-toms", "edition": "2025"});
    let post = |token: String, body: String| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/orgs/a/frameworks")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let r = w.send(post(w.token_viewer.clone(), body.to_string())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewers cannot import");
    let r = w
        .send(post(w.token_officer.clone(), body.to_string()))
        .await;
    r.assert_status(StatusCode::CREATED);
    let id = r.json()["id"].as_i64().unwrap();
    let detail = w
        .get_bearer(&format!("/api/v1/orgs/a/frameworks/{id}"), &w.token_viewer)
        .await;
    detail.assert_status(StatusCode::OK);
    assert_eq!(detail.json()["framework"]["name"], "my-toms");
    assert!(detail.body.contains("26273.47"), "{}", detail.body);
    let list = w
        .get_bearer("/api/v1/orgs/a/frameworks", &w.token_viewer)
        .await;
    assert_eq!(list.json().as_array().unwrap().len(), 2);
    let bad = serde_json::json!({"format": "csv", "source": "theme,outcome\nx,y\n", "name": "bad", "edition": "1"});
    let r = w.send(post(w.token_officer.clone(), bad.to_string())).await;
    r.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["problems"][0]["field"], "source");
    assert_eq!(
        w.get_bearer("/api/v1/orgs/a/frameworks", &w.token_viewer)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
