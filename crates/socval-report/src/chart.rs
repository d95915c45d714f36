//! Horizontal bar charts as SVG (plotters' SVG backend, no fonts needed),
//! with a `<title>` and `<desc>` for screen readers.
//!
//! Float arithmetic is allowed here and only here: chart coordinates are
//! pixels, not money. The figures themselves stay exact in the model and in
//! the data table printed beside each chart.
#![allow(clippy::float_arithmetic)]

use plotters::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use socval_core::{Decimal, Gbp};

use crate::error::{Error, Result};
use crate::html::escape;
use crate::html::short_money;
use crate::model::Chart;

/// Colours of the series, in order (GOV.UK blue, then dark grey, then
/// light blue), distinguishable in greyscale print.
const COLOURS: [RGBColor; 3] = [
    RGBColor(0x1d, 0x70, 0xb8),
    RGBColor(0x50, 0x5a, 0x5f),
    RGBColor(0x5b, 0xc0, 0xeb),
];
const TEXT: RGBColor = RGBColor(0x0b, 0x0c, 0x0c);

/// The chart as an `<svg>` element: `role="img"`, labelled by its title
/// and described by its description (both also inside the SVG).
///
/// Returns an error if plotters fails to draw (it does not for valid charts).
pub fn svg(chart: &Chart) -> Result<String> {
    let n = chart.categories.len();
    let k = chart.series.len().max(1);
    // Each category takes 2k + 2 units: 2 per bar and a unit of gap above
    // and below.
    let g = (2 * k + 2) as i32;
    let bar_px = 18u32;
    // A legend row per series above the plot when there is more than one
    // series, so it never covers a bar.
    let legend_px = if k > 1 { 10 + 22 * k as u32 } else { 0 };
    let height = (60 + n as u32 * (k as u32 * bar_px + bar_px / 2) + legend_px).max(160);
    let width = 720u32;
    let longest = chart
        .categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(4) as u32;
    let label_px = (longest * 9 + 30).clamp(60, 340);
    let values: Vec<f64> = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter())
        .map(|v| v.to_f64().unwrap_or(0.0))
        .collect();
    let max = values.iter().cloned().fold(0.0_f64, f64::max);
    let min = values.iter().cloned().fold(0.0_f64, f64::min);
    let (lo, hi) = if max <= 0.0 && min >= 0.0 {
        (0.0, 1.0)
    } else {
        (min * 1.1, max * 1.12)
    };
    let err = |e: &dyn std::fmt::Display| Error::Chart {
        chart: chart.id.clone(),
        reason: e.to_string(),
    };

    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(&e))?;
        let (legend, plot) = root.split_vertically(legend_px);
        for (s, series) in chart.series.iter().enumerate().filter(|_| k > 1) {
            let colour = COLOURS[s % COLOURS.len()];
            let y = 8 + 22 * s as i32;
            let x = label_px as i32 + 10;
            legend
                .draw(&Rectangle::new([(x, y), (x + 14, y + 14)], colour.filled()))
                .map_err(|e| err(&e))?;
            legend
                .draw(&Text::new(
                    series.name.clone(),
                    (x + 22, y),
                    ("Arial", 16).into_font().color(&TEXT),
                ))
                .map_err(|e| err(&e))?;
        }
        let mut c = ChartBuilder::on(&plot)
            .margin(10)
            .margin_right(45)
            .x_label_area_size(30)
            .y_label_area_size(label_px)
            .build_cartesian_2d(lo..hi, 0..(g * n.max(1) as i32))
            .map_err(|e| err(&e))?;
        let cats = chart.categories.clone();
        let label_of = move |y: &i32| -> String {
            let off = y - 1 - k as i32;
            if off < 0 || off % g != 0 {
                return String::new();
            }
            let from_bottom = (off / g) as usize;
            if from_bottom >= n {
                return String::new();
            }
            // Two no-break spaces keep the end-anchored label off the axis.
            format!("{}\u{a0}\u{a0}", cats[n - 1 - from_bottom])
        };
        let money = |x: &f64| {
            short_money(Gbp::new(
                Decimal::from_f64_retain(*x).unwrap_or_default().round_dp(0),
            ))
        };
        c.configure_mesh()
            .disable_y_mesh()
            .light_line_style(RGBColor(0xf3, 0xf2, 0xf1))
            .bold_line_style(RGBColor(0xb1, 0xb4, 0xb6))
            .axis_style(TEXT)
            .y_labels(g as usize * n.max(1) + 1)
            .y_label_formatter(&label_of)
            .x_labels(6)
            .x_label_formatter(&money)
            .label_style(("Arial", 16).into_font().color(&TEXT))
            .set_all_tick_mark_size(0)
            .draw()
            .map_err(|e| err(&e))?;
        for (s, series) in chart.series.iter().enumerate() {
            let colour = COLOURS[s % COLOURS.len()];
            let bars = series.values.iter().enumerate().map(|(i, v)| {
                let base = g * (n - 1 - i) as i32;
                let y0 = base + 1 + 2 * (k - 1 - s) as i32;
                let x = v.to_f64().unwrap_or(0.0);
                Rectangle::new([(0.0, y0), (x, y0 + 2)], colour.filled())
            });
            c.draw_series(bars).map_err(|e| err(&e))?;
        }
        root.present().map_err(|e| err(&e))?;
    }
    Ok(accessible(&out, chart))
}

/// Adds `role`, `aria-labelledby`, `<title>` and `<desc>` to plotters' SVG,
/// and drops its fixed size so the page can scale it.
fn accessible(svg: &str, chart: &Chart) -> String {
    let Some(start) = svg.find("<svg") else {
        return svg.to_string();
    };
    let Some(end) = svg[start..].find('>').map(|e| start + e) else {
        return svg.to_string();
    };
    let open = &svg[start..end];
    let viewbox = open
        .split("viewBox=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("0 0 720 300");
    let id = &chart.id;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"{viewbox}\" class=\"chart\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" preserveAspectRatio=\"xMinYMin meet\"><title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>{}",
        escape(&chart.title),
        escape(&chart.description),
        &svg[end + 1..]
    )
}
