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

/// `(y, height)` of every rectangle filled with `fill`.
fn rects(svg: &str, fill: &str) -> Vec<(f64, f64)> {
    svg.split("<rect")
        .skip(1)
        .filter(|r| {
            r.split('>')
                .next()
                .unwrap()
                .contains(&format!("fill=\"{fill}\""))
        })
        .map(|r| {
            let attr = |name: &str| -> f64 {
                let at = r.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                r[at..].split('"').next().unwrap().parse().unwrap()
            };
            (attr("y"), attr("height"))
        })
        .collect()
}

#[test]
fn the_legend_sits_above_the_bars_and_covers_none() {
    let chart = Chart {
        id: "g".into(),
        title: "t".into(),
        description: "d".into(),
        table: "t".into(),
        categories: vec!["Local".into(), "Outside the region".into()],
        // The longest bar is the last one, where a legend in the lower right
        // corner would cover it.
        series: vec![
            Series {
                name: "2019/20".into(),
                values: vec!["10".parse().unwrap(), "1000".parse().unwrap()],
            },
            Series {
                name: "2018/19".into(),
                values: vec!["20".parse().unwrap(), "990".parse().unwrap()],
            },
        ],
        kind: Kind::Money,
        sources: vec![],
    };
    let svg = chart_svg(&chart).unwrap();
    // The y of each legend label's <text> element.
    let label_y = |name: &str| -> f64 {
        let body = svg.find("</desc>").unwrap();
        let end = body + svg[body..].find(name).unwrap();
        let start = svg[..end].rfind("<text").unwrap();
        let tag = &svg[start..end];
        let at = tag.find(" y=\"").unwrap() + 4;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    let bars: Vec<(f64, f64)> = ["#1D70B8", "#505A5F"]
        .iter()
        .flat_map(|f| rects(&svg, f))
        .filter(|(_, h)| *h > 15.0)
        .collect();
    assert_eq!(bars.len(), 4, "two bars per series: {bars:?}");
    let top = bars.iter().map(|b| b.0).fold(f64::MAX, f64::min);
    for name in ["2019/20", "2018/19"] {
        let y = label_y(name);
        assert!(
            y + 16.0 <= top,
            "legend label {name} at y {y} is above every bar (top bar at {top})"
        );
    }
}
