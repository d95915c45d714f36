//! The procurement and the bid in the URL, as the caller may see them:
//! anything else does not exist for them (404).

use socval_store::Role;
use socval_store::procurement::{Bid, Procurement, ProcurementState};

use crate::auth::Ctx;
use crate::error::AppError;
use crate::state::AppState;

/// The URL's procurement, checked to be the organisation's; a supplier
/// sees it only if invited and published (otherwise it does not exist for
/// them).
pub(crate) async fn load(state: &AppState, ctx: &Ctx, id: &str) -> Result<Procurement, AppError> {
    let access = ctx.org()?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let p = state.store.procurement(id).await?;
    if p.org_id != access.org.id {
        return Err(AppError::NotFound);
    }
    if access.role == Role::Supplier {
        let invited = access.supplier_id.is_some_and(|s| p.suppliers.contains(&s));
        if !invited || p.state == ProcurementState::Draft {
            return Err(AppError::NotFound);
        }
    }
    Ok(p)
}

/// The URL's bid, checked to belong to the URL's procurement and to be
/// readable by the caller: its own supplier always, staff once bids open.
pub(crate) async fn load_bid(
    state: &AppState,
    ctx: &Ctx,
    p: &Procurement,
    bid: &str,
) -> Result<Bid, AppError> {
    let access = ctx.org()?;
    let id: i64 = bid.parse().map_err(|_| AppError::NotFound)?;
    let b = state.store.bid(id).await?;
    if b.procurement_id != p.id {
        return Err(AppError::NotFound);
    }
    let allowed = match access.role {
        Role::Supplier => access.supplier_id == Some(b.supplier_id),
        _ => p.bids_open_at(state.now()),
    };
    if !allowed {
        // A sealed bid, or another supplier's: it does not exist for them.
        return Err(AppError::NotFound);
    }
    Ok(b)
}
