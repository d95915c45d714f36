//! `socval evaluate`: score a procurement's bids on price, quality and social value.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use serde_json::json;
use socval_core::evaluation::{self, Procurement};

use super::framework::{load, load_policy, number, pounds_json};
use crate::Global;
use crate::exit;
use crate::output::{Format, Report};

/// Score bids: price, quality, social value (quantitative and qualitative), total and rank.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:
  socval evaluate data/examples/procurement.toml
  socval evaluate data/examples/procurement.toml --format json

Scores: price = lowest price ÷ bid price × price weight; quality = score% × quality weight;
social value quantitative = bid's £ ÷ highest bid's £ × (SV weight × quantitative share);
qualitative = score% × the rest of the SV weight. Defaults (Rotherham): price 50, quality 30,
social value 20, half quantitative and half qualitative. Equal totals (to 2 dp) share a rank.
Guide: docs/engine.md")]
pub struct Args {
    /// Procurement file: [procurement] and [[bid]] tables.
    file: PathBuf,
    /// Policy file (default: Rotherham's policy, data/policy/rotherham.toml).
    #[arg(long)]
    policy: Option<PathBuf>,
    /// Use this framework instead of the one the file names (embedded name or file).
    #[arg(long)]
    framework: Option<String>,
    /// When a measure has no proxy for the year, use its latest earlier year's proxy.
    #[arg(long)]
    carry_forward: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Scores the bids and prints them in rank order.
pub fn run(_global: &Global, args: Args, out: &mut dyn Write) -> Result<u8> {
    let policy = load_policy(args.policy.as_deref())?;
    let name = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read procurement file {name}"))?;
    let p = Procurement::from_toml(&text, &name, &policy)?;
    let base = args.file.parent();
    let spec = args.framework.as_deref().unwrap_or(&p.framework);
    let fw = load(spec, base).with_context(|| format!("{name}: cannot use framework {spec:?}"))?;
    let e = evaluation::evaluate(&p, &fw, &policy, args.carry_forward)?;
    report(&p, &e).write(args.format, out)?;
    Ok(exit::OK)
}

/// The evaluation as a report.
pub(crate) fn report(p: &Procurement, e: &evaluation::Evaluation) -> Report<serde_json::Value> {
    let w = e.weights;
    let quant = w.social_value * w.sv_quantitative_share;
    let bids: Vec<_> = e
        .bids
        .iter()
        .map(|b| {
            json!({
                "bidder": b.bidder,
                "price_gbp": number(b.price.amount(), 2),
                "sv_gbp": pounds_json(b.sv),
                "sv_percent_of_price": number(b.sv_percent_of_price, 2),
                "price_score": number(b.price_score, 2),
                "quality_score": number(b.quality_score, 2),
                "sv_quantitative_score": number(b.sv_quantitative_score, 2),
                "sv_qualitative_score": number(b.sv_qualitative_score, 2),
                "sv_score": number(b.sv_score, 2),
                "total_score": number(b.total_score, 2),
                "rank": b.rank,
                "tied": b.tied,
            })
        })
        .collect();
    let json = json!({
        "procurement": {
            "title": p.title,
            "value_gbp": number(p.value.amount(), 2),
            "category": p.category,
            "framework": p.framework,
            "year": p.year.to_string(),
            "sv_required": e.sv_required,
            "delivery_requirement": e.delivery.as_str(),
        },
        "weights": {
            "price": number(w.price, 4),
            "quality": number(w.quality, 4),
            "sv": number(w.social_value, 4),
            "sv_quantitative": number(quant, 4),
            "sv_qualitative": number(w.social_value - quant, 4),
        },
        "bids": bids,
        "notes": e.notes,
    });
    let rank = |b: &evaluation::BidScore| {
        if b.tied {
            format!("{}=", b.rank)
        } else {
            b.rank.to_string()
        }
    };
    let rows = e
        .bids
        .iter()
        .map(|b| {
            vec![
                rank(b),
                b.bidder.clone(),
                b.price.display_whole_pounds(),
                b.sv.display_whole_pounds(),
                format!("{}%", b.sv_percent_of_price.round_dp(2)),
                format!("{:.2}", b.price_score.round_dp(2)),
                format!("{:.2}", b.quality_score.round_dp(2)),
                format!("{:.2}", b.sv_score.round_dp(2)),
                format!("{:.2}", b.total_score.round_dp(2)),
            ]
        })
        .collect();
    let mut footer = vec![
        format!(
            "{} ({}, {}, {}): weights price {} / quality {} / social value {} ({} quantitative + {} qualitative)",
            p.title,
            p.value.display_whole_pounds(),
            p.category,
            p.year,
            w.price.normalize(),
            w.quality.normalize(),
            w.social_value.normalize(),
            quant.normalize(),
            (w.social_value - quant).normalize()
        ),
        format!(
            "Delivery monitoring: {}.",
            match e.delivery {
                evaluation::DeliveryRequirement::DeliveryPlan =>
                    "a social value delivery plan (over the delivery plan threshold)",
                evaluation::DeliveryRequirement::MilestoneTracker => "a milestone tracker",
            }
        ),
    ];
    footer.extend(e.notes.iter().cloned());
    Report {
        json,
        headers: vec![
            "rank",
            "bidder",
            "price",
            "social value",
            "SV % of price",
            "price pts",
            "quality pts",
            "SV pts",
            "total",
        ],
        rows,
        numeric: vec![2, 3, 4, 5, 6, 7, 8],
        footer,
    }
}
