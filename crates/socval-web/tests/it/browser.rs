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
use crate::webdriver::{Browser, ENTER, TAB};

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
        b.wait_url("/orgs/a/frameworks")
            .ends_with("/orgs/a/frameworks"),
        "back where they were going"
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
    b.wait_url("/orgs/a/frameworks/");
    let text = b.text();
    assert!(
        text.contains("Open default social value framework") && text.contains("OD02"),
        "{text}"
    );
    shot("05-framework");

    b.find("#year").type_text("2023/24");
    b.find("form[method=get] button").click();
    assert!(b.wait_url("year=").ends_with("year=2023%2F24"));
    shot("06-framework-2023-24");

    b.goto(&format!("{base}/"));
    assert!(b.text().contains("Alpha Borough Council"));
    shot("07-home");

    b.find("header form button").click();
    assert!(b.wait_url("/login").ends_with("/login?signed_out=1"));
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

/// Checks the page in the browser against the WCAG 2.2 AA points a script
/// can measure: one `h1` and headings in order, a label for every field,
/// `aria-describedby` and error-summary links that resolve, tables with
/// captions and header cells, a language and a title, and text contrast
/// (4.5:1, or 3:1 for large text) against the colours actually painted.
/// Returns the problems found.
const A11Y_SCRIPT: &str = r#"
const problems = [];
const h1 = document.querySelectorAll('h1');
if (h1.length !== 1) problems.push(`${h1.length} h1 elements`);
let last = 0;
for (const h of document.querySelectorAll('h1,h2,h3,h4,h5,h6')) {
  const level = +h.tagName[1];
  if (last && level > last + 1) problems.push(`${h.tagName} "${h.textContent.trim()}" skips a level after h${last}`);
  last = level;
}
for (const el of document.querySelectorAll('input,select,textarea')) {
  if (el.type === 'hidden') continue;
  const label = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label') || el.getAttribute('aria-label');
  if (!label) problems.push(`${el.tagName.toLowerCase()} name=${el.name} has no label`);
}
for (const el of document.querySelectorAll('[aria-describedby]')) {
  for (const id of el.getAttribute('aria-describedby').split(/\s+/)) {
    if (!document.getElementById(id)) problems.push(`aria-describedby points at missing #${id}`);
  }
}
for (const a of document.querySelectorAll('.error-summary a')) {
  const id = (a.getAttribute('href') || '').slice(1);
  if (!document.getElementById(id)) problems.push(`error summary links to missing #${id}`);
}
for (const t of document.querySelectorAll('table')) {
  if (!t.querySelector('th')) problems.push('a table without header cells');
  if (!t.querySelector('caption')) problems.push('a table without a caption');
}
for (const img of document.querySelectorAll('img')) if (!img.hasAttribute('alt')) problems.push('an image without alt text');
if (!document.documentElement.lang) problems.push('no lang on html');
if (!document.title.trim()) problems.push('no title');
const rgba = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(',').map(parseFloat); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
const background = el => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = rgba(getComputedStyle(e).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let out = [255, 255, 255];
  for (const c of layers.reverse()) out = out.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
  return out;
};
for (const el of document.body.querySelectorAll('*')) {
  const text = [...el.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
  if (!text) continue;
  const r = el.getBoundingClientRect();
  const cs = getComputedStyle(el);
  if (r.width <= 1 || r.height <= 1 || cs.visibility === 'hidden') continue;
  const back = background(el);
  const fg = rgba(cs.color);
  const mixed = fg.slice(0, 3).map((v, i) => v * fg[3] + back[i] * (1 - fg[3]));
  const a = lum(mixed), b = lum(back);
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  const size = parseFloat(cs.fontSize), bold = parseInt(cs.fontWeight, 10) >= 700;
  const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < need) problems.push(`contrast ${ratio.toFixed(2)}:1 < ${need}:1 for "${text.slice(0, 40)}" (${cs.color} on rgb(${back.map(Math.round)}))`);
}
return problems;
"#;

/// Marks every element a keyboard can reach (in document order) and
/// returns how each looks unfocused: outline, box shadow, background and
/// border colours.
const FOCUSABLE_SCRIPT: &str = r#"
const els = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, [tabindex]:not([tabindex="-1"])')]
  .filter(e => !e.disabled && e.getClientRects().length);
const look = e => { const s = getComputedStyle(e); return [s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, s.boxShadow, s.backgroundColor, s.borderColor, s.color].join(' | '); };
document.activeElement && document.activeElement.blur();
return els.map((e, i) => { e.dataset.kbd = i; return [e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + (e.textContent || e.name || '').trim().slice(0, 30), look(e)]; });
"#;

/// Spoils a page on purpose (faint text, a field without a label, a
/// skipped heading level, a link with no focus style), to show that the
/// checks above find such things.
const SPOIL_SCRIPT: &str = r#"
const main = document.querySelector('main');
const p = document.createElement('p'); p.textContent = 'faint text'; p.style.color = '#bbbbbb'; main.appendChild(p);
const i = document.createElement('input'); i.name = 'unlabelled'; main.appendChild(i);
const h = document.createElement('h4'); h.textContent = 'Deep heading'; main.appendChild(h);
const a = document.createElement('a'); a.href = '#nowhere'; a.textContent = 'no focus style';
for (const [k, v] of [['outline', 'none'], ['box-shadow', 'none'], ['background-color', 'transparent'], ['color', '#1d70b8'], ['border-color', 'transparent']]) a.style.setProperty(k, v, 'important');
main.appendChild(a);
"#;

/// The element that has focus now: its mark and how it looks.
const ACTIVE_SCRIPT: &str = r#"
const e = document.activeElement;
if (!e || e === document.body || e.dataset.kbd === undefined) return null;
const s = getComputedStyle(e);
return [parseInt(e.dataset.kbd, 10), [s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor, s.boxShadow, s.backgroundColor, s.borderColor, s.color].join(' | ')];
"#;

/// Tabs through the page from the top: every reachable element is reached,
/// in document order, and looks different when focused. Returns problems.
fn keyboard_problems(b: &Browser) -> Vec<String> {
    let els = b.script(FOCUSABLE_SCRIPT, serde_json::json!([]));
    let els = els.as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..els.len() + 3 {
        b.keys(TAB);
        let active = b.script(ACTIVE_SCRIPT, serde_json::json!([]));
        let Some(i) = active[0].as_u64().map(|i| i as usize) else {
            break;
        };
        if seen.contains(&i) {
            break;
        }
        let focused = active[1].as_str().unwrap_or_default();
        let unfocused = els[i][1].as_str().unwrap_or_default();
        if focused == unfocused {
            problems.push(format!(
                "no visible focus on {} ({focused})",
                els[i][0].as_str().unwrap_or_default()
            ));
        }
        seen.push(i);
    }
    let order: Vec<usize> = (0..els.len()).collect();
    if seen != order {
        problems.push(format!(
            "Tab reached {seen:?} of the {} focusable elements in order {order:?}",
            els.len()
        ));
    }
    problems
}

#[test]
#[ignore = "needs chromium: run by .ci/run"]
fn browser_pages_meet_wcag_checks_and_work_by_keyboard_alone() {
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
    let invitation = rt
        .block_on(w.store.create_invitation(
            &socval_store::Actor::system("test"),
            w.clock_now(),
            &socval_store::NewInvitation {
                org_id: w.org_a,
                email: "new.person@a.example".into(),
                role: socval_store::Role::Viewer,
                supplier_id: None,
                expires_at: w.clock_now() + time::Duration::days(1),
            },
        ))
        .unwrap()
        .1;
    let out = artefacts().join("a11y");
    let _ = std::fs::remove_dir_all(&out);
    let b = Browser::start(&chromium, &chromedriver(&chromium));
    let mut failures = Vec::new();
    let mut check = |name: &str, keyboard: bool| {
        let mut problems: Vec<String> = b
            .script(A11Y_SCRIPT, serde_json::json!([]))
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|p| p.as_str().unwrap_or_default().to_owned())
            .collect();
        if keyboard {
            problems.extend(keyboard_problems(&b));
        }
        b.fit_page();
        b.screenshot(&out.join(format!("{name}.png")));
        failures.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
    };

    // Signing in by keyboard alone: the skip link comes first, then the
    // fields; Enter submits.
    b.goto(&format!("{base}/login"));
    check("01-sign-in", true);
    b.goto(&format!("{base}/login"));
    b.keys(TAB);
    assert_eq!(
        b.script(
            "return document.activeElement.textContent.trim()",
            serde_json::json!([])
        ),
        "Skip to main content",
        "the first Tab reaches the skip link"
    );
    b.screenshot(&out.join("02-skip-link-focused.png"));
    // Enter on the skip link, then Tab: the first field of the form.
    b.keys(ENTER);
    b.keys(TAB);
    assert_eq!(
        b.script("return document.activeElement.id", serde_json::json!([])),
        "email",
        "the skip link leads to the form"
    );
    b.keys("admin@a.example");
    b.keys(TAB);
    b.keys("wrong password");
    b.keys(ENTER);
    // Enter submits the form; the answer is a new page, not this one.
    b.wait_until("the sign-in form redisplayed with its error", |b| {
        b.title().starts_with("Error: ")
    });
    check("03-sign-in-error", true);
    b.find("#password").click();
    b.keys(crate::support::PASSWORD);
    b.keys(ENTER);
    let home = format!("{base}/");
    b.wait_until("signed in by keyboard: the home page, loaded", |b| {
        b.url() == home
            && b.script("return document.readyState", serde_json::json!([])) == "complete"
    });
    check("04-home", true);

    let pages = [
        ("05-org", "/orgs/a".to_owned()),
        ("06-frameworks", "/orgs/a/frameworks".to_owned()),
        (
            "07-framework",
            format!("/orgs/a/frameworks/{}?year=2024/25", w.framework_a),
        ),
        ("08-suppliers", "/orgs/a/suppliers".to_owned()),
        ("09-supplier", format!("/orgs/a/suppliers/{}", w.supplier_1)),
        ("10-members", "/orgs/a/members".to_owned()),
        ("10-member", format!("/orgs/a/members/{}", w.officer)),
        ("10-member-self", format!("/orgs/a/members/{}", w.admin)),
        ("11-tokens", "/orgs/a/tokens".to_owned()),
        ("12-audit", "/orgs/a/audit".to_owned()),
        ("13-account", "/account".to_owned()),
        ("14-password", "/account/password".to_owned()),
        ("15-not-found", "/orgs/a/nowhere".to_owned()),
    ];
    for (name, path) in &pages {
        b.goto(&format!("{base}{path}"));
        check(name, true);
    }
    // Forms with errors: the summary, messages and kept values.
    b.goto(&format!("{base}/orgs/a/members"));
    b.find("form[action$=invitations] button").click();
    check("16-invite-errors", true);
    b.goto(&format!("{base}/orgs/a/members/{}", w.officer));
    b.script(
        "document.getElementById('role').value = 'supplier'; return null;",
        serde_json::json!([]),
    );
    b.find("form[action$=role] button").click();
    check("16-member-role-errors", true);
    b.goto(&format!("{base}/orgs/a/tokens"));
    b.find("form[action$=tokens] button").click();
    check("17-token-errors", true);
    b.goto(&format!("{base}/account/password"));
    b.find("main form button").click();
    check("18-password-errors", true);
    b.goto(&format!("{base}/orgs/a/frameworks"));
    b.find("form[enctype] button").click();
    check("19-import-errors", true);
    b.find("header form button").click();
    b.goto(&format!("{base}/invitations/{invitation}"));
    check("20-invitation", true);
    b.find("main form button").click();
    check("21-invitation-errors", true);

    // The checks can fail: the same page, spoiled on purpose, fails each.
    b.script(SPOIL_SCRIPT, serde_json::json!([]));
    let mut found: Vec<String> = b
        .script(A11Y_SCRIPT, serde_json::json!([]))
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|p| p.as_str().unwrap_or_default().to_owned())
        .collect();
    found.extend(keyboard_problems(&b));
    for want in [
        "contrast 1.",
        "name=unlabelled has no label",
        "H4 \"Deep heading\" skips a level",
        "no visible focus on a",
    ] {
        assert!(
            found.iter().any(|p| p.contains(want)),
            "the checks missed {want:?} on a spoiled page: {found:?}"
        );
    }
    drop(b);
    assert!(
        failures.is_empty(),
        "{} accessibility problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
