//! The home page's reminders: returns due (a supplier's) and returns
//! awaiting verification (officers' and admins').

use socval_store::Role;

use crate::auth::at_least;
use crate::contract::periods_due;
use crate::error::AppError;
use crate::state::AppState;

/// One reminder on the home page.
pub(crate) struct Reminder {
    /// What is due.
    pub text: String,
    /// Where to act on it.
    pub href: String,
}

/// Returns due (a supplier's) and returns awaiting verification (officers'
/// and admins'), over every organisation the user belongs to (their
/// `memberships`, as the home page has already read them).
pub(crate) async fn reminders(
    state: &AppState,
    memberships: &[socval_store::OrgMembership],
) -> Result<Vec<Reminder>, AppError> {
    let today = state.now().date();
    let mut out = Vec::new();
    for m in memberships {
        let org = &m.organisation;
        match (m.membership.role, m.membership.supplier_id) {
            (Role::Supplier, Some(s)) => {
                let returned = state.store.returned_periods(org.id, Some(s)).await?;
                for k in state.store.supplier_contracts(s).await? {
                    if k.org_id != org.id {
                        continue;
                    }
                    let mine: Vec<(i64, i64)> = returned
                        .iter()
                        .filter(|(c, _, _)| *c == k.id)
                        .map(|(_, cy, q)| (*cy, *q))
                        .collect();
                    for (cy, q, end) in periods_due(&k, &mine, today) {
                        out.push(Reminder {
                            text: format!(
                                "{}: delivery return due for {} ({}), year {cy} quarter {q}, which ended on {end}",
                                org.name, k.reference, k.title
                            ),
                            href: format!("/orgs/{}/contracts/{}/returns/new?period={cy}-{q}", org.slug, k.id),
                        });
                    }
                }
            }
            (role, _) if at_least(role, Role::Officer) => {
                for r in state.store.returns_awaiting_review(org.id, None).await? {
                    out.push(Reminder {
                        text: format!(
                            "{}: return Y{} Q{} for {} awaits verification ({} line(s) to review)",
                            org.name,
                            r.contract_year,
                            r.quarter,
                            r.contract_reference,
                            r.pending_lines
                        ),
                        href: format!(
                            "/orgs/{}/contracts/{}/returns/{}",
                            org.slug, r.contract_id, r.id
                        ),
                    });
                }
            }
            _ => {}
        }
    }
    Ok(out)
}
