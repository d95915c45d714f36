//! Cross-site request forgery protection.
//!
//! Signed-in forms carry a synchroniser token derived from the session's
//! CSRF secret, masked afresh on every page (so the token in a compressed
//! response never repeats: BREACH). Forms shown before sign-in (login,
//! accepting an invitation) have no session yet and use a double-submit
//! cookie instead: a random value in a `SameSite=Strict` cookie that the
//! form must echo.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The name of the hidden form field holding the token.
pub const FIELD: &str = "csrf_token";
/// The header an API client using cookie auth may send the token in.
pub const HEADER: &str = "x-csrf-token";

fn key(secret: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"socval csrf v1\0");
    h.update(secret);
    h.finalize().into()
}

/// A fresh masked token for a session's CSRF secret.
pub fn token(secret: &[u8]) -> String {
    let key = key(secret);
    let mut mask = [0u8; 32];
    // A failing OS random source leaves an all-zero mask: the token is then
    // unmasked but still valid and secret, so this is not a security failure.
    let _ = getrandom::fill(&mut mask);
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&mask);
    out.extend(mask.iter().zip(key.iter()).map(|(m, k)| m ^ k));
    B64.encode(out)
}

/// Whether `presented` is a token made by [`token`] for this secret.
pub fn verify(secret: &[u8], presented: &str) -> bool {
    let Ok(raw) = B64.decode(presented.trim()) else {
        return false;
    };
    if raw.len() != 64 {
        return false;
    }
    let (mask, masked) = raw.split_at(32);
    let unmasked: Vec<u8> = mask.iter().zip(masked).map(|(m, k)| m ^ k).collect();
    bool::from(unmasked.ct_eq(&key(secret)))
}

/// A random value for the double-submit cookie.
pub fn random_value() -> String {
    let mut v = [0u8; 32];
    let _ = getrandom::fill(&mut v);
    B64.encode(v)
}

/// Constant-time equality of two presented strings.
pub fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_secret() {
        let t = token(b"secret-a");
        assert!(verify(b"secret-a", &t));
        assert!(!verify(b"secret-b", &t));
        assert_ne!(t, token(b"secret-a"), "each token is masked afresh");
        for bad in ["", "x", &t[..t.len() - 2]] {
            assert!(!verify(b"secret-a", bad), "{bad:?}");
        }
    }
}
