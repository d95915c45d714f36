//! The page in a real browser: headless Chromium prints it to PDF (A4).
//! Run by .ci/run with SOCVAL_CHROMIUM set to the browser's path.

use std::process::Command;

#[test]
#[ignore = "needs chromium: run by .ci/run"]
fn browser_prints_the_report_to_pdf() {
    let chromium = std::env::var("SOCVAL_CHROMIUM")
        .expect("SOCVAL_CHROMIUM must name the chromium binary for this test");
    // Kept after the run as artefacts (target/artefacts/report/): the page,
    // its PDF and a screenshot, to look at.
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp is in target")
        .join("artefacts/report");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let r = crate::spend::spend_report(&out);
    socval_report::write_all(&r, &out).unwrap();
    let html = out.join("report.html");
    let pdf = out.join("report.pdf");
    let url = format!("file://{}", html.display());
    let status = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    let pages = bytes
        .windows(b"/Type /Page\n".len())
        .filter(|w| w.starts_with(b"/Type /Page") && !w.starts_with(b"/Type /Pages"))
        .count();
    assert!(pages >= 3, "{pages} pages: one or more per section");
    // A4 is 595 × 842 points.
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("/MediaBox [0 0 595") || text.contains("/MediaBox [0 0 594"),
        "A4 pages"
    );
    let shot = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,2400",
        ])
        .arg(format!("--screenshot={}", out.join("report.png").display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
}
