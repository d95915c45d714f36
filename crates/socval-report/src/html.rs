//! One self-contained HTML page: inline CSS (screen and A4 print), inline
//! SVG charts, no scripts, no external assets.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use socval_core::Gbp;

use crate::chart;
use crate::error::Result;
use crate::model::{Block, Cell, Headline, Kind, Report, Section, Table};

/// Escapes text for HTML and XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// An id safe in `id` and `href="#..."`.
fn anchor(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| {
            p.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// A number for people: thousands separators, the decimals it has.
pub(crate) fn number(d: Decimal) -> String {
    let s = d.normalize().abs().to_string();
    let (i, f) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s, None),
    };
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    match f {
        Some(f) => format!("{sign}{}.{f}", socval_core::group_digit_text(&i)),
        None => format!("{sign}{}", socval_core::group_digit_text(&i)),
    }
}

/// Short money for chart descriptions and paragraphs: `£351.2m`, `£40k`.
pub(crate) fn short_money(g: Gbp) -> String {
    let a = g.amount();
    let abs = a.abs();
    let sign = if a.is_sign_negative() && !a.is_zero() {
        "-"
    } else {
        ""
    };
    if abs >= Decimal::from(1_000_000_000) {
        format!(
            "{sign}£{}bn",
            (abs / Decimal::from(1_000_000_000)).round_dp(2).normalize()
        )
    } else if abs >= Decimal::from(1_000_000) {
        format!(
            "{sign}£{}m",
            (abs / Decimal::from(1_000_000)).round_dp(1).normalize()
        )
    } else if abs >= Decimal::from(1_000) {
        format!(
            "{sign}£{}k",
            (abs / Decimal::from(1_000)).round_dp(0).normalize()
        )
    } else {
        format!("{sign}£{}", abs.round_dp(0).normalize())
    }
}

/// A cell for people. Money is shown to the whole pound (the exports hold
/// pence).
pub(crate) fn display(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(d) => number(*d),
        Cell::Money(d) => Gbp::new(*d).display_whole_pounds(),
        Cell::Percent(d) => {
            // One decimal place, or two when one would show a non-zero share as 0.0%.
            let one = d.round_dp(1);
            if one.is_zero() && !d.is_zero() {
                format!("{d:.2}%")
            } else {
                format!("{one:.1}%")
            }
        }
        Cell::Empty => String::new(),
    }
}

/// The page's style sheet (screen, and A4 print).
pub const CSS: &str = r#"
:root { --text:#0b0c0c; --secondary:#505a5f; --link:#1d70b8; --border:#b1b4b6; --light:#f3f2f1; --brand:#1d70b8; --focus:#ffdd00; }
*, *::before, *::after { box-sizing: border-box; }
body { margin:0; color:var(--text); background:#fff; font-family:"Helvetica Neue", Helvetica, Arial, sans-serif; font-size:1.1875rem; line-height:1.32; }
a { color:var(--link); text-underline-offset:.15em; }
a:focus { outline:3px solid transparent; color:var(--text); background:var(--focus); box-shadow:0 -2px var(--focus), 0 4px var(--text); text-decoration:none; }
.skip-link { position:absolute; left:-9999px; }
.visually-hidden { position:absolute !important; width:1px !important; height:1px !important; margin:0 !important; padding:0 !important; overflow:hidden !important; clip:rect(0 0 0 0) !important; white-space:nowrap !important; border:0 !important; }
.skip-link:focus { position:static; display:block; padding:10px 15px; }
.header { background:var(--text); color:#fff; border-bottom:10px solid var(--brand); }
.header div { max-width:1200px; margin:0 auto; padding:10px 15px 8px; font-weight:700; font-size:1.5rem; }
.width { max-width:1200px; margin:0 auto; padding:0 15px 60px; }
h1 { font-size:2.5rem; line-height:1.1; margin:30px 0 10px; }
h2 { font-size:1.75rem; margin:45px 0 20px; padding-top:10px; border-top:2px solid var(--text); }
h3 { font-size:1.1875rem; margin:25px 0 10px; }
p { margin:0 0 15px; max-width:50em; }
.caption-l { color:var(--secondary); font-size:1.25rem; margin:0 0 5px; }
.meta { color:var(--secondary); font-size:1rem; }
.contents { font-size:1rem; border-left:5px solid var(--border); padding-left:15px; margin:20px 0; }
.contents ol { margin:5px 0; padding-left:20px; }
.contents h2 { border:0; margin:0; padding:0; font-size:1.1875rem; }
.notice { border-left:10px solid var(--brand); background:var(--light); padding:15px; margin:20px 0; max-width:50em; }
.headlines { display:grid; grid-template-columns:repeat(auto-fill, minmax(220px, 1fr)); gap:15px; margin:0 0 20px; padding:0; list-style:none; }
.headlines li { background:var(--brand); color:#fff; padding:15px; break-inside:avoid; }
.headlines .value { display:block; font-size:2.25rem; font-weight:700; line-height:1.1; }
.headlines .label { display:block; font-size:1.0625rem; margin-top:5px; }
.headlines .note, .headlines .from { display:block; font-size:.875rem; margin-top:8px; color:#fff; }
.headlines a, .headlines a:visited { color:#fff; }
.headlines a:focus { color:var(--text); }
table { border-collapse:collapse; width:100%; margin:0 0 10px; font-size:1rem; }
caption { text-align:left; font-weight:700; font-size:1.1875rem; padding-bottom:8px; }
th, td { border-bottom:1px solid var(--border); padding:6px 10px 6px 0; text-align:left; vertical-align:top; }
th { font-weight:700; }
tbody th[scope=row] { min-width:7em; }
.num { text-align:right; font-variant-numeric:tabular-nums; white-space:nowrap; }
tr.total td, tr.total th { font-weight:700; border-top:2px solid var(--text); }
.note { font-size:.9375rem; color:var(--secondary); margin:0 0 8px; }
.table-wrap { overflow-x:auto; margin-bottom:25px; }
.cite { font-size:.75em; font-weight:400; }
figure { margin:0 0 15px; }
figcaption { font-weight:700; margin-bottom:8px; }
svg.chart { width:100%; height:auto; display:block; }
.pair { display:grid; grid-template-columns:minmax(0, 5fr) minmax(0, 6fr); gap:25px; align-items:start; margin-bottom:30px; }
.pair table { font-size:.875rem; }
.sources { font-size:.9375rem; }
.sources li { margin-bottom:6px; overflow-wrap:anywhere; }
.portal-nav ul { list-style:none; margin:15px 0 0; padding:0; display:flex; flex-wrap:wrap; gap:20px; font-size:1rem; }
footer { margin-top:40px; font-size:.875rem; color:var(--secondary); }
@media (max-width: 900px) { .pair { grid-template-columns:1fr; } h1 { font-size:2rem; } }
@page { size:A4; margin:14mm 12mm 16mm; }
@media print {
  body { font-size:10pt; }
  .skip-link, .contents, .portal-nav, .table-csv { display:none; }
  .header { background:none; color:var(--text); border-bottom:4px solid var(--text); }
  .header div { padding:0 0 4px; font-size:12pt; }
  .width { max-width:none; padding:0; }
  h1 { font-size:20pt; margin-top:12pt; }
  h2 { font-size:15pt; break-before:page; border-top:0; margin-top:0; }
  main > section:first-of-type h2 { break-before:auto; margin-top:18pt; }
  .headlines .note, .headlines .from { color:var(--secondary); }
  h3, caption, figcaption { break-after:avoid; }
  caption, figcaption { font-size:11pt; }
  .note { font-size:8.5pt; }
  p { max-width:none; }
  .headlines { grid-template-columns:repeat(3, 1fr); gap:8pt; }
  .headlines li { background:none; color:var(--text); border:2px solid var(--brand); padding:8pt; }
  .headlines a, .headlines a:visited { color:var(--text); }
  .headlines .value { font-size:18pt; }
  .headlines .label { font-size:10pt; }
  .pair { grid-template-columns:1fr; gap:8pt; break-inside:avoid; }
  figure { break-inside:avoid; }
  svg.chart { max-height:235mm; width:auto; max-width:100%; }
  table { font-size:8.5pt; }
  .pair table { font-size:8.5pt; }
  thead { display:table-header-group; }
  tr { break-inside:avoid; }
  .table-wrap { overflow:visible; }
  .notice { border:1px solid var(--text); border-left-width:6px; background:none; }
  a { color:var(--text); text-decoration:none; }
}
"#;

fn cites(ids: &[String]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let links: Vec<String> = ids
        .iter()
        .map(|id| format!("<a href=\"#{}\">{}</a>", escape(id), escape(id)))
        .collect();
    format!(" <sup class=\"cite\">[{}]</sup>", links.join(", "))
}

/// How a page is rendered: stand-alone (a file) or in the portal.
#[derive(Clone, Debug, Default)]
pub struct HtmlOptions {
    /// In the portal: the address of the records page. Each number of a
    /// row that names its records links to `{records_base}?{records}`.
    pub records_base: Option<String>,
    /// Links shown above the title (`(href, text)`): back to the portal,
    /// downloads.
    pub nav: Vec<(String, String)>,
    /// The footer text (default: where the exports are beside the file).
    pub footer: Option<String>,
    /// Link this stylesheet (the page's [`CSS`], served by the caller)
    /// instead of inlining it: for a portal whose Content-Security-Policy
    /// allows no inline styles.
    pub stylesheet: Option<String>,
    /// In the portal: where each table's CSV is served. Each table is
    /// followed by a link to `{table_csv_base}{table id}` (e.g.
    /// `/orgs/x/reports/2019-20/records?table=` + `table_2_10`).
    pub table_csv_base: Option<String>,
}

impl HtmlOptions {
    fn link(&self, records: Option<&str>) -> Option<String> {
        Some(format!("{}?{}", self.records_base.as_ref()?, records?))
    }
}

fn table_html(t: &Table, o: &mut String, opts: &HtmlOptions) {
    let _ = write!(
        o,
        "<div class=\"table-wrap\"><table id=\"{}\"><caption>{}{}</caption><thead><tr>",
        anchor(&[&t.id]),
        escape(&t.title),
        cites(&t.sources)
    );
    for c in &t.columns {
        let class = if c.kind == Kind::Text {
            ""
        } else {
            " class=\"num\""
        };
        let _ = write!(o, "<th scope=\"col\"{class}>{}</th>", escape(&c.title));
    }
    o.push_str("</tr></thead><tbody>");
    let shown = t.html_rows.unwrap_or(usize::MAX);
    for r in t.rows.iter().take(shown) {
        let class = if r.total { " class=\"total\"" } else { "" };
        let _ = write!(o, "<tr id=\"{}\"{class}>", anchor(&[&t.id, &r.key]));
        for (i, (c, col)) in r.cells.iter().zip(&t.columns).enumerate() {
            let num = if col.kind == Kind::Text {
                ""
            } else {
                " class=\"num\""
            };
            let text = escape(&display(c));
            let records = r
                .cell_records
                .get(&col.key)
                .map(String::as_str)
                .or(r.records.as_deref());
            let text = match opts.link(records) {
                Some(href) if col.kind != Kind::Text && *c != Cell::Empty => format!(
                    "<a href=\"{}\" title=\"The records behind this figure\">{text}</a>",
                    escape(&href)
                ),
                _ => text,
            };
            if i == 0 {
                let _ = write!(o, "<th scope=\"row\"{num}>{text}</th>");
            } else {
                let _ = write!(o, "<td{num}>{text}</td>");
            }
        }
        o.push_str("</tr>");
    }
    if t.rows.is_empty() {
        let _ = write!(
            o,
            "<tr><td colspan=\"{}\">No rows.</td></tr>",
            t.columns.len().max(1)
        );
    }
    o.push_str("</tbody></table>");
    if t.rows.len() > shown {
        let _ = write!(
            o,
            "<p class=\"note\">The first {shown} of {} rows; all rows are in report.xlsx (sheet {}) and csv/{}.csv.</p>",
            t.rows.len(),
            escape(&t.id),
            escape(&t.id)
        );
    }
    for n in &t.notes {
        let _ = write!(o, "<p class=\"note\">{}</p>", escape(n));
    }
    if let Some(base) = &opts.table_csv_base {
        let _ = write!(
            o,
            "<p class=\"note table-csv\"><a href=\"{}{}\" download>Download this table as CSV<span class=\"visually-hidden\">: {}</span></a></p>",
            escape(base),
            escape(&t.id),
            escape(&t.title)
        );
    }
    o.push_str("</div>");
}

fn headline_html(h: &Headline, o: &mut String, r: &Report, opts: &HtmlOptions) {
    let value = if h.value == Cell::Empty {
        "—".to_string()
    } else {
        display(&h.value)
    };
    // In the portal the value links to the records of the row it is read from.
    let records = h.from.as_ref().and_then(|f| {
        r.table(&f.table)?
            .rows
            .iter()
            .find(|row| row.key == f.row)?
            .records
            .clone()
    });
    let value = match opts.link(records.as_deref()) {
        Some(href) => format!(
            "<a href=\"{}\" title=\"The records behind this figure\">{}</a>",
            escape(&href),
            escape(&value)
        ),
        None => escape(&value),
    };
    let _ = write!(
        o,
        "<li id=\"{}\"><span class=\"value\">{}</span><span class=\"label\">{}</span>",
        anchor(&["headline", &h.id]),
        value,
        escape(&h.label)
    );
    if let Some(f) = &h.from {
        let _ = write!(
            o,
            "<span class=\"from\">From <a href=\"#{}\">table {}, row {}</a>{}</span>",
            anchor(&[&f.table, &f.row]),
            escape(&f.table.replace("table_", "").replace('_', ".")),
            escape(&f.row),
            cites(&h.sources)
        );
    }
    if let Some(n) = &h.note {
        let _ = write!(o, "<span class=\"note\">{}</span>", escape(n));
    }
    o.push_str("</li>");
}

/// Renders the report as one self-contained HTML page.
///
/// Returns an error if a chart cannot be drawn.
pub fn render(r: &Report) -> Result<String> {
    render_with(r, &HtmlOptions::default())
}

/// Renders the report as one self-contained HTML page, in the portal when
/// `opts` says so (numbers link to their records).
///
/// Returns an error if a chart cannot be drawn.
pub fn render_with(r: &Report, opts: &HtmlOptions) -> Result<String> {
    let mut o = String::with_capacity(64 * 1024);
    head_html(r, opts, &mut o);
    title_html(r, opts, &mut o);
    for s in &r.sections {
        section_html(s, r, opts, &mut o)?;
    }
    o.push_str("<section aria-labelledby=\"sources\"><h2 id=\"sources\">Sources</h2><ol class=\"sources\">");
    for s in &r.sources {
        let _ = write!(
            o,
            "<li id=\"{}\"><strong>{}</strong>: {}</li>",
            anchor(&[&s.id]),
            escape(&s.id),
            escape(&s.text)
        );
    }
    o.push_str("</ol></section>\n</main>\n");
    let footer = opts.footer.as_deref().unwrap_or(
        "Every figure is in the exports beside this page: report.xlsx (a sheet per table), csv/ (a file per table) and report.json (the whole report).",
    );
    let _ = write!(
        o,
        "<footer>{}</footer>\n</div>\n</body>\n</html>\n",
        escape(footer)
    );
    Ok(o)
}

/// The document's head (title, stylesheet) and the page's header, up to
/// the opening of `<main>`.
fn head_html(r: &Report, opts: &HtmlOptions, o: &mut String) {
    let org = r.org.as_deref().unwrap_or("");
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"{}\">\n<title>{}{}</title>\n{}\n</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n<header class=\"header\"><div>socval</div></header>\n<div class=\"width\">\n<main id=\"main\">\n",
        escape(&r.generated_by),
        escape(&r.title),
        if org.is_empty() {
            String::new()
        } else {
            format!(" — {}", escape(org))
        },
        match &opts.stylesheet {
            Some(href) => format!("<link rel=\"stylesheet\" href=\"{}\">", escape(href)),
            None => format!("<style>{CSS}</style>"),
        }
    );
}

/// The portal's navigation, the organisation, the title, what the report
/// covers and the contents.
fn title_html(r: &Report, opts: &HtmlOptions, o: &mut String) {
    let org = r.org.as_deref().unwrap_or("");
    if !opts.nav.is_empty() {
        o.push_str("<nav class=\"portal-nav\" aria-label=\"Portal\"><ul>");
        for (href, text) in &opts.nav {
            let _ = write!(
                o,
                "<li><a href=\"{}\">{}</a></li>",
                escape(href),
                escape(text)
            );
        }
        o.push_str("</ul></nav>\n");
    }
    if !org.is_empty() {
        let _ = writeln!(o, "<p class=\"caption-l\">{}</p>", escape(org));
    }
    let _ = write!(
        o,
        "<h1>{}</h1>\n<p class=\"meta\">Financial year {}",
        escape(&r.title),
        r.year
    );
    if let Some(c) = r.compare {
        let _ = write!(o, ", compared with {c}");
    }
    let _ = writeln!(
        o,
        ". Generated by {} from the data sources listed at the end.</p>",
        escape(&r.generated_by)
    );
    o.push_str("<nav class=\"contents\" aria-label=\"Contents\"><h2>Contents</h2><ol>");
    for s in &r.sections {
        let _ = write!(
            o,
            "<li><a href=\"#{}\">{}</a></li>",
            anchor(&[&s.id]),
            escape(&s.title)
        );
    }
    o.push_str("<li><a href=\"#sources\">Sources</a></li></ol></nav>\n");
}

/// One section and its blocks; a chart and the data table after it are
/// shown side by side.
///
/// Returns an error if a chart cannot be drawn.
fn section_html(s: &Section, r: &Report, opts: &HtmlOptions, o: &mut String) -> Result<()> {
    let _ = writeln!(
        o,
        "<section aria-labelledby=\"{0}-h\"><h2 id=\"{0}\"><span id=\"{0}-h\">{1}</span></h2>",
        anchor(&[&s.id]),
        escape(&s.title)
    );
    let mut i = 0;
    while i < s.blocks.len() {
        match &s.blocks[i] {
            Block::Paragraph { text, sources } => {
                let _ = writeln!(o, "<p>{}{}</p>", escape(text), cites(sources));
            }
            Block::Notice { text } => {
                let _ = writeln!(
                    o,
                    "<div class=\"notice\" role=\"note\"><p>{}</p></div>",
                    escape(text)
                );
            }
            Block::Headlines { items } => {
                o.push_str("<ul class=\"headlines\">");
                for h in items {
                    headline_html(h, o, r, opts);
                }
                o.push_str("</ul>\n");
            }
            Block::Table(t) => table_html(t, o, opts),
            Block::Chart(c) => {
                o.push_str("<div class=\"pair\">");
                let _ = write!(
                    o,
                    "<figure id=\"{}\"><figcaption>{}{}</figcaption>{}</figure>",
                    anchor(&[&c.id]),
                    escape(&c.title),
                    cites(&c.sources),
                    chart::svg(c)?
                );
                // The data table beside the chart.
                if let Some(Block::Table(t)) = s.blocks.get(i + 1)
                    && t.id == c.table
                {
                    table_html(t, o, opts);
                    i += 1;
                }
                o.push_str("</div>\n");
            }
        }
        i += 1;
    }
    o.push_str("</section>\n");
    Ok(())
}
