//! The portal in a real browser: headless Chromium driven through
//! chromedriver signs in, imports a framework (a bad one first), browses
//! it, and signs out. A screenshot of every page goes to
//! `target/artefacts/web/`.
//!
//! Run by `.ci/run` (`SOCVAL_CHROMIUM=$(command -v chromium) cargo test
//! --workspace -- --ignored browser`); chromedriver is found beside
//! Chromium, on the PATH, or at `SOCVAL_CHROMEDRIVER`.

use std::path::{Path, PathBuf};

use crate::support::{OPEN_DEFAULT, PASSWORD, world};
use crate::webdriver::Browser;

fn chromedriver(chromium: &str) -> String {
    if let Ok(path) = std::env::var("SOCVAL_CHROMEDRIVER") {
        return path;
    }
    let beside = Path::new(chromium).with_file_name("chromedriver");
    if beside.exists() {
        return beside.display().to_string();
    }
    "chromedriver".to_owned()
}

fn artefacts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/artefacts/web")
}

#[test]
#[ignore = "needs chromium: run by .ci/run"]
fn browser_signs_in_imports_a_framework_browses_it_and_signs_out() {
    let chromium = std::env::var("SOCVAL_CHROMIUM")
        .expect("SOCVAL_CHROMIUM must name the Chromium binary (.ci/run sets it: SOCVAL_CHROMIUM=$(command -v chromium))");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = w.app.clone();
    rt.spawn(async move { axum::serve(listener, app).await });

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("open-default-2026.toml");
    std::fs::write(
        &good,
        OPEN_DEFAULT.replace("edition = \"2025\"", "edition = \"2026\""),
    )
    .unwrap();
    let bad = dir.path().join("broken.csv");
    std::fs::write(&bad, "theme,outcome,code,title,unit,kind,year,proxy\nJobs,Local jobs,J1,Local FTE,fte,per_unit,2024/25,lots\n").unwrap();

    let out = artefacts();
    let _ = std::fs::remove_dir_all(&out);
    let b = Browser::start(&chromium, &chromedriver(&chromium));
    let shot = |name: &str| {
        b.fit_page();
        b.screenshot(&out.join(format!("{name}.png")));
    };

    b.goto(&format!("{base}/orgs/a/frameworks"));
    assert!(
        b.url().contains("/login?next=/orgs/a/frameworks"),
        "{}",
        b.url()
    );
    assert_eq!(b.title(), "Sign in – socval");
    shot("01-sign-in");

    b.find("#email").type_text("officer@a.example");
    b.find("#password").type_text("not my password");
    b.find("button.button").click();
    assert!(b.title().starts_with("Error: "), "{}", b.title());
    assert!(
        b.text()
            .contains("Enter a correct email address and password")
    );
    shot("02-sign-in-error");

    b.find("#password").type_text(PASSWORD);
    b.find("button.button").click();
    assert!(
        b.url().ends_with("/orgs/a/frameworks"),
        "back where they were going: {}",
        b.url()
    );
    assert!(b.text().contains("Import a framework"));
    shot("03-frameworks");

    b.find("#file").type_text(&bad.display().to_string());
    b.find("#name").type_text("my-toms");
    b.find("#edition").type_text("1");
    b.find("form[enctype] button").click();
    let text = b.text();
    assert!(
        text.contains("There is a problem") && text.contains("line 2"),
        "{text}"
    );
    assert!(
        b.find("#name").attribute("value") == "my-toms",
        "what was typed is kept"
    );
    shot("04-import-error");

    b.find("#file").type_text(&good.display().to_string());
    b.find("form[enctype] button").click();
    assert!(b.url().contains("/orgs/a/frameworks/"), "{}", b.url());
    let text = b.text();
    assert!(
        text.contains("Open default social value framework") && text.contains("OD02"),
        "{text}"
    );
    shot("05-framework");

    b.find("#year").type_text("2023/24");
    b.find("form[method=get] button").click();
    assert!(b.url().ends_with("year=2023%2F24"), "{}", b.url());
    shot("06-framework-2023-24");

    b.goto(&format!("{base}/"));
    assert!(b.text().contains("Alpha Borough Council"));
    shot("07-home");

    b.find("header form button").click();
    assert!(b.url().ends_with("/login?signed_out=1"), "{}", b.url());
    assert!(b.text().contains("You have signed out"));
    shot("08-signed-out");

    b.goto(&format!("{base}/orgs/a"));
    assert!(
        b.url().contains("/login"),
        "signed out for real: {}",
        b.url()
    );

    // The admin's pages, for the record: users, tokens, the audit log
    // showing the import above.
    b.find("#email").type_text("admin@a.example");
    b.find("#password").type_text(PASSWORD);
    b.find("button.button").click();
    assert!(b.url().ends_with("/orgs/a"), "{}", b.url());
    shot("09-org-overview-admin");
    b.goto(&format!("{base}/orgs/a/members"));
    b.find("#email").type_text("new.viewer@a.example");
    b.find("#role").type_text("viewer");
    b.find("form[action$=invitations] button").click();
    assert!(b.text().contains("Invitation created"), "{}", b.text());
    shot("10-members-invited");
    b.goto(&format!("{base}/orgs/a/tokens"));
    b.find("#name").type_text("finance export");
    b.find("#role").type_text("viewer");
    b.find("form[action$=tokens] button").click();
    assert!(b.find("#new-token").text().starts_with("svt_"));
    shot("11-token-created");
    b.goto(&format!("{base}/orgs/a/audit"));
    let text = b.text();
    assert!(
        text.contains("officer@a.example") && text.contains("framework"),
        "{text}"
    );
    shot("12-audit-log");
    drop(b);
    for n in [
        "01-sign-in",
        "05-framework",
        "08-signed-out",
        "12-audit-log",
    ] {
        assert!(out.join(format!("{n}.png")).exists());
    }
}
