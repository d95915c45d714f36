//! Random secrets (session ids, invitation and API tokens) and how they are
//! kept at rest: only their SHA-256 is stored, so a copy of the database does
//! not let anyone log in.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A new random secret: 32 bytes from the operating system, as 64 hex digits.
///
/// Returns an error only if the operating system has no randomness to give.
pub fn generate() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Password(format!("no randomness: {e}")))?;
    Ok(hex::encode(bytes))
}

/// The SHA-256 of `secret` as 64 hex digits: what the database keeps.
///
/// A fast hash is right here (unlike passwords): secrets are 256 random
/// bits, so there is nothing to guess.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_random_and_hashes_stable() {
        let a = super::generate().unwrap();
        let b = super::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(
            super::hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
