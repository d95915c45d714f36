//! The state changes an officer makes to a procurement, the same from the
//! pages and the API: publish it, open its bids, cancel it.

use socval_store::Actor;
use socval_store::procurement::Procurement;
use time::OffsetDateTime;

use crate::state::AppState;

/// A change of a procurement's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transition {
    /// Invites the suppliers (a draft becomes open for bids).
    Publish,
    /// Opens the bids after the deadline.
    Open,
    /// Cancels it.
    Cancel,
}

impl Transition {
    /// The page's form a refusal is shown on.
    pub(crate) fn field(self) -> &'static str {
        match self {
            Transition::Publish => "publish",
            Transition::Open => "open",
            Transition::Cancel => "cancel",
        }
    }

    /// Makes the change to procurement `id` (audited by the store); the
    /// store refuses it if the procurement's state does not allow it.
    pub(crate) async fn apply(
        self,
        state: &AppState,
        actor: &Actor,
        now: OffsetDateTime,
        id: i64,
    ) -> Result<Procurement, socval_store::Error> {
        let store = &state.store;
        match self {
            Transition::Publish => store.publish_procurement(actor, now, id).await,
            Transition::Open => store.open_bids(actor, now, id).await,
            Transition::Cancel => store.cancel_procurement(actor, now, id).await,
        }
    }
}
