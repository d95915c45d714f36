//! Charts are SVG with a title and a description for screen readers.

use socval_report::{Chart, Kind, Series, chart_svg};

/// Checks that tags nest and close, XML-style.
pub fn well_formed(svg: &str) {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        let end = rest[i..].find('>').map(|e| i + e).expect("a tag closes");
        let tag = &rest[i + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "closing </{name}>"
            );
        } else if !tag.ends_with('/') {
            stack.push(tag.split_whitespace().next().unwrap().to_string());
        }
    }
    assert!(stack.is_empty(), "unclosed: {stack:?}");
}

#[test]
fn bar_chart_has_title_description_and_a_bar_per_value() {
    let chart = Chart {
        id: "g".into(),
        title: "Spend by location <2019/20> & more".into(),
        description: "Bar chart: local £1m in 2019/20, £2m in 2018/19.".into(),
        table: "t".into(),
        categories: vec![
            "Local".into(),
            "Rest of the region".into(),
            "Outside the region".into(),
        ],
        series: vec![
            Series {
                name: "2019/20".into(),
                values: vec![
                    "1000000".parse().unwrap(),
                    "250000.5".parse().unwrap(),
                    "0".parse().unwrap(),
                ],
            },
            Series {
                name: "2018/19".into(),
                values: vec![
                    "2000000".parse().unwrap(),
                    "10".parse().unwrap(),
                    "5".parse().unwrap(),
                ],
            },
        ],
        kind: Kind::Money,
        sources: vec![],
    };
    let svg = chart_svg(&chart).unwrap();
    well_formed(&svg);
    assert!(svg.starts_with("<svg "), "{}", &svg[..80]);
    assert!(svg.contains("role=\"img\"") && svg.contains("aria-labelledby=\"g-title g-desc\""));
    assert!(
        svg.contains("<title id=\"g-title\">Spend by location &lt;2019/20&gt; &amp; more</title>")
    );
    assert!(svg.contains("<desc id=\"g-desc\">Bar chart: local £1m"));
    for label in [
        "Local",
        "Rest of the region",
        "Outside the region",
        "2019/20",
        "2018/19",
    ] {
        assert!(
            svg.contains(&format!(">{label}<"))
                || svg.contains(&format!(">\n{label}\n<"))
                || svg.contains(label),
            "label {label}"
        );
    }
    // One filled rectangle per value (plus background and legend swatches).
    let blue = svg.matches("fill=\"#1D70B8\"").count();
    assert!(blue >= 3, "{blue} blue bars");
}
