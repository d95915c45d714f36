//! Password hashing with Argon2id, OWASP parameters (19 MiB, 2 passes,
//! 1 lane), stored as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$...`).
//!
//! Hashing takes tens of milliseconds on purpose: call these from
//! `tokio::task::spawn_blocking` in async code ([`hash_blocking`] and
//! [`verify_blocking`] do that for you).

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// The shortest password `socval` accepts (NCSC guidance: length over
/// complexity rules).
pub const MIN_LENGTH: usize = 10;

fn argon2() -> Result<Argon2<'static>> {
    // OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| Error::Password(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with a fresh random salt.
///
/// Returns [`Error::Invalid`] if the password is shorter than
/// [`MIN_LENGTH`] characters.
pub fn hash(password: &str) -> Result<String> {
    if password.chars().count() < MIN_LENGTH {
        return Err(Error::Invalid {
            detail: format!("a password needs at least {MIN_LENGTH} characters"),
        });
    }
    let hash = argon2()?
        .hash_password(password.as_bytes())
        .map_err(|e| Error::Password(e.to_string()))?;
    Ok(hash.to_string())
}

/// True if `password` matches the PHC string `hash`; false if it does not.
///
/// Returns an error only if `hash` is not a valid PHC string.
pub fn verify(password: &str, hash: &str) -> Result<bool> {
    let parsed = PasswordHash::new(hash).map_err(|e| Error::Password(e.to_string()))?;
    match argon2()?.verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(Error::Password(e.to_string())),
    }
}

/// [`hash`] on tokio's blocking thread pool.
pub async fn hash_blocking(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .map_err(|e| Error::Password(e.to_string()))?
}

/// [`verify`] on tokio's blocking thread pool.
pub async fn verify_blocking(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || verify(&password, &hash))
        .await
        .map_err(|e| Error::Password(e.to_string()))?
}

/// A hash that no password matches, for verifying against when the e-mail
/// address is unknown, so that a login for an unknown address takes as long
/// as one for a known address.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29jdmFsLWR1bW15LXNhbHQ$zk4yq9c8dUZbH7WcCrmrs0v3VSQhG7VdQq2m1HLuQ0E"
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_then_verify() {
        let h = super::hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(super::verify("correct horse battery", &h).unwrap());
        assert!(!super::verify("wrong horse battery", &h).unwrap());
        assert!(!super::verify("anything at all", super::dummy_hash()).unwrap());
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(
            super::hash("short"),
            Err(crate::Error::Invalid { .. })
        ));
    }
}
