//! The SQL of bids, for [`super::ProcurementStore`].

use time::OffsetDateTime;

use crate::db::{Bind as _, Columns, Conn};
use crate::error::{Error, Result};
use crate::procurement::*;
use crate::procurement::{bytes_hash, check_commitments, decimal};
use crate::sql::{Sql, invalid};

/// The columns of a [`Bid`], with its score and document, from
/// [`BID_FROM`].
pub(crate) const BID_COLS: &str = "b.id, b.procurement_id, b.supplier_id, b.price_pence, b.quality_reference, b.content_sha256, \
     b.revision, b.submitted_at, b.updated_at, \
     s.quality_score, s.sv_qualitative_score, s.comment, s.rank, s.total_score, \
     d.filename, d.content_type, d.size_bytes, d.sha256 AS document_sha256";
/// A bid joined to its score and document.
pub(crate) const BID_FROM: &str = " FROM bids b LEFT JOIN bid_scores s ON s.bid_id = b.id LEFT JOIN bid_documents d ON d.bid_id = b.id ";

static GET_BID: Sql = Sql::new(&["SELECT ", BID_COLS, BID_FROM, "WHERE b.id = $1"]);

pub(crate) fn bid_from_row(r: &impl Columns) -> Result<Bid> {
    let quality: Option<String> = r.col("quality_score")?;
    let qualitative: Option<String> = r.col("sv_qualitative_score")?;
    let score = match (quality, qualitative) {
        (Some(q), Some(s)) => Some(Score {
            quality_score: decimal(&q)?,
            sv_qualitative_score: decimal(&s)?,
            comment: r.col::<Option<String>>("comment")?.unwrap_or_default(),
        }),
        _ => None,
    };
    let filename: Option<String> = r.col("filename")?;
    let document = match filename {
        Some(filename) => Some(DocumentInfo {
            filename,
            content_type: r.col("content_type")?,
            size_bytes: r.col("size_bytes")?,
            sha256: r.col("document_sha256")?,
        }),
        None => None,
    };
    Ok(Bid {
        id: r.col("id")?,
        procurement_id: r.col("procurement_id")?,
        supplier_id: r.col("supplier_id")?,
        price_pence: r.col("price_pence")?,
        quality_reference: r.col("quality_reference")?,
        commitments: Vec::new(),
        document,
        submitted_at: r.col("submitted_at")?,
        updated_at: r.col("updated_at")?,
        revision: r.col("revision")?,
        content_sha256: r.col("content_sha256")?,
        score,
        rank: r.col("rank")?,
        total_score: r
            .col::<Option<String>>("total_score")?
            .map(|t| decimal(&t))
            .transpose()?,
    })
}

pub(crate) async fn fill_bid(c: &mut impl Conn, b: &mut Bid) -> Result<()> {
    let rows = sqlx::query(
        "SELECT measure, contract_year, units FROM bid_commitments WHERE bid_id = $1 ORDER BY position",
    )
    .arg(b.id)
    .fetch_all(c.executor())
    .await?;
    b.commitments = rows
        .iter()
        .map(|r| {
            Ok(Commitment {
                measure: r.col("measure")?,
                contract_year: r.col("contract_year")?,
                units: decimal(&r.col::<String>("units")?)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(())
}

pub(crate) async fn get_bid(c: &mut impl Conn, id: i64) -> Result<Bid> {
    let row = sqlx::query(GET_BID.get())
        .arg(id)
        .fetch_optional(c.executor())
        .await?
        .ok_or(Error::NotFound { entity: "bid" })?;
    let mut b = bid_from_row(&row)?;
    fill_bid(c, &mut b).await?;
    Ok(b)
}

/// Checks a bid against its procurement at `now`: open, before
/// the deadline, supplier invited, content within the rules.
pub(crate) fn check_bid(p: &Procurement, now: OffsetDateTime, new: &NewBid) -> Result<()> {
    if p.state != ProcurementState::Open {
        return invalid(format!(
            "procurement {} is {}, not open for bids",
            p.reference,
            p.state_at(now)
        ));
    }
    if now >= p.deadline {
        return invalid(format!(
            "deadline: the deadline for {} passed at {}; late bids are refused",
            p.reference,
            p.deadline
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default()
        ));
    }
    if !p.suppliers.contains(&new.supplier_id) {
        return invalid("supplier: this supplier company is not invited to bid");
    }
    if new.price_pence <= 0 {
        return invalid("price: the bid price must be above £0");
    }
    if let Some(d) = &new.document {
        if d.filename.trim().is_empty() {
            return invalid("document: the document has no file name");
        }
        if d.bytes.is_empty() {
            return invalid("document: the document is empty");
        }
    }
    check_commitments(
        new.commitments
            .iter()
            .map(|c| (c.measure.as_str(), c.contract_year, c.units, None)),
        p.contract_years,
        Some(&p.measures),
    )
}

/// Writes a bid's commitments and document (replacing the old
/// ones; a missing document keeps the old one) and returns the
/// document's SHA-256 if it has one.
pub(crate) async fn write_bid_content(
    c: &mut impl Conn,
    bid_id: i64,
    p: &Procurement,
    new: &NewBid,
) -> Result<Option<String>> {
    sqlx::query("DELETE FROM bid_commitments WHERE bid_id = $1")
        .arg(bid_id)
        .execute(c.executor())
        .await?;
    for (i, cm) in new.commitments.iter().enumerate() {
        // Stored as the procurement spells the measure.
        let measure = p
            .measures
            .iter()
            .find(|m| m.eq_ignore_ascii_case(cm.measure.trim()))
            .cloned()
            .unwrap_or_else(|| cm.measure.trim().to_owned());
        sqlx::query(
            "INSERT INTO bid_commitments (bid_id, position, measure, contract_year, units) VALUES ($1, $2, $3, $4, $5)",
        )
        .arg(bid_id)
        .arg(i as i64)
        .arg(measure)
        .arg(cm.contract_year)
        .arg(cm.units.to_string())
        .execute(c.executor())
        .await?;
    }
    if let Some(d) = &new.document {
        sqlx::query("DELETE FROM bid_documents WHERE bid_id = $1")
            .arg(bid_id)
            .execute(c.executor())
            .await?;
        let sha = bytes_hash(&d.bytes);
        sqlx::query(
            "INSERT INTO bid_documents (bid_id, filename, content_type, size_bytes, sha256, content)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .arg(bid_id)
        .arg(d.filename.trim())
        .arg(&d.content_type)
        .arg(d.bytes.len() as i64)
        .arg(&sha)
        .arg(&d.bytes)
        .execute(c.executor())
        .await?;
        return Ok(Some(sha));
    }
    let row = sqlx::query("SELECT sha256 FROM bid_documents WHERE bid_id = $1")
        .arg(bid_id)
        .fetch_optional(c.executor())
        .await?;
    Ok(match row {
        Some(r) => Some(r.col("sha256")?),
        None => None,
    })
}
