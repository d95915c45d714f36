//! Checking a login: password, lockout, disabled accounts, in one call.

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::model::{LockoutPolicy, User};
use crate::password;
use crate::store::Store;

/// Checks `email` and `password` at `now`.
///
/// Returns `Ok(Some(user))` for a correct password on an enabled, unlocked
/// account (and resets its failure count); `Ok(None)` for an unknown
/// address, a wrong password or a disabled account (the caller shows one
/// message for all three, so it does not reveal which addresses exist);
/// [`Error::Locked`] while the account is locked after
/// `policy.max_failures` failures in a row. The Argon2 check runs on the
/// blocking thread pool, and runs for unknown addresses and locked accounts
/// too, so the answer takes as long whichever it is: callers that show
/// `Locked` and `Ok(None)` alike reveal nothing about the address.
pub async fn authenticate(
    store: &dyn Store,
    email: &str,
    password: &str,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> Result<Option<User>> {
    let creds = match store.credentials(email).await {
        Ok(creds) => creds,
        Err(Error::NotFound { .. }) => {
            password::verify_blocking(password.to_string(), password::dummy_hash().to_string())
                .await?;
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let ok = password::verify_blocking(password.to_string(), creds.password_hash).await?;
    // Checked after the password, which is checked only to take the time
    // a wrong password takes: while locked, even the right one is refused.
    if let Some(until) = creds.user.locked_until.filter(|until| *until > now) {
        return Err(Error::Locked { until });
    }
    if !ok {
        let user = store
            .record_login_failure(creds.user.id, now, policy)
            .await?;
        if let Some(until) = user.locked_until.filter(|until| *until > now) {
            return Err(Error::Locked { until });
        }
        return Ok(None);
    }
    if creds.user.disabled {
        return Ok(None);
    }
    Ok(Some(store.record_login_success(creds.user.id, now).await?))
}
