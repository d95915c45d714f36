//! Passwords: which new ones are accepted ([`check`]), and hashing with
//! Argon2id, OWASP parameters (19 MiB, 2 passes, 1 lane), stored as PHC
//! strings (`$argon2id$v=19$m=19456,t=2,p=1$...`).
//!
//! The rules follow the NCSC's password guidance and NIST SP 800-63B: a
//! minimum length, counted without spaces and invisible characters (so ten
//! spaces or ten zero-width spaces are not a password); a maximum well
//! above any passphrase; no common password, common word with digits and
//! symbols around it, or repeated or sequential pattern (checked against
//! an embedded list, `password/common.txt`; nothing is fetched); not the
//! person's own email address or name; and no composition rules (no "one
//! upper case letter, one digit").
//!
//! Hashing takes tens of milliseconds on purpose: call these from
//! `tokio::task::spawn_blocking` in async code ([`hash_blocking`] and
//! [`verify_blocking`] do that for you).
//!
//! ```
//! use socval_store::password::{check, Weakness};
//! assert_eq!(check("          ", &[]), Err(Weakness::TooShort));
//! assert_eq!(check("P@ssw0rd2024!", &[]), Err(Weakness::Common));
//! assert_eq!(check("bo.smith99", &["bo.smith@x.example"]), Err(Weakness::Personal));
//! assert_eq!(check("correct horse battery", &[]), Ok(()));
//! ```

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// The shortest password `socval` accepts, in characters that are not
/// spaces or invisible (NCSC guidance: length over complexity rules).
pub const MIN_LENGTH: usize = 10;

/// The longest password `socval` accepts, in characters: room for any
/// passphrase (NIST asks for at least 64), and a bound on what is hashed.
pub const MAX_LENGTH: usize = socval_core::limits::MAX_SHORT_TEXT;

/// Why a new password is refused. `Display` is the message for the person
/// choosing it, naming the field "Password".
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Weakness {
    /// Fewer than [`MIN_LENGTH`] characters that are not spaces or
    /// invisible.
    #[error("Password must be {MIN_LENGTH} characters or more, not counting spaces")]
    TooShort,
    /// More than [`MAX_LENGTH`] characters.
    #[error("Password must be {MAX_LENGTH} characters or fewer")]
    TooLong,
    /// A common password, a common word with digits or symbols around it,
    /// or a repeated or sequential pattern.
    #[error(
        "Password is too easy to guess: it is a common password, or a common word or pattern with numbers or symbols added. Choose another, for example three random words"
    )]
    Common,
    /// The person's own email address or name, with or without digits or
    /// symbols.
    #[error("Password must not be your email address or your name")]
    Personal,
}

/// Checks a new password. `personal` holds what the password must not be
/// made of: the person's email address and name (the part of an email
/// address before the `@` counts too).
///
/// Returns the first [`Weakness`] found; `Ok` if there is none.
pub fn check(password: &str, personal: &[&str]) -> std::result::Result<(), Weakness> {
    if password.chars().count() > MAX_LENGTH {
        return Err(Weakness::TooLong);
    }
    let key = visible_lower(password);
    if key.chars().count() < MIN_LENGTH {
        return Err(Weakness::TooShort);
    }
    // The password as typed, the word in it, and both with the usual
    // swaps undone (symbols first: the `$` of `$unshine1999` is a letter,
    // its `1999` is not).
    let forms = [
        key.clone(),
        unleet(&key, true),
        core(&key).to_owned(),
        unleet(core(&key), true),
        unleet(core(&unleet(&key, false)), true),
    ];
    let mut personal_forms: Vec<String> = Vec::new();
    for p in personal {
        let p = visible_lower(p);
        if let Some((local, _)) = p.split_once('@') {
            personal_forms.push(core(local).to_owned());
        }
        personal_forms.push(p);
    }
    if forms
        .iter()
        .any(|f| !f.is_empty() && personal_forms.iter().any(|p| p == f))
    {
        return Err(Weakness::Personal);
    }
    let common = common();
    if forms.iter().any(|f| common.contains(f.as_str()))
        || repeats_a_short_unit(&key)
        || is_sequence(&key)
    {
        return Err(Weakness::Common);
    }
    Ok(())
}

/// The characters that count, lower case: without whitespace, control
/// characters and the code points Unicode says are invisible
/// (Default_Ignorable_Code_Point: zero-width spaces and joiners, soft
/// hyphens, variation selectors, tags...).
fn visible_lower(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && !invisible(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The password without the digits and symbols people put before and
/// after a word: `password` of `123password!!`.
fn core(key: &str) -> &str {
    key.trim_matches(|c: char| !c.is_alphabetic())
}

/// The usual letter swaps undone: `p@ssw0rd` → `password`; symbols only,
/// or digits too.
fn unleet(key: &str, digits: bool) -> String {
    key.chars()
        .map(|c| match c {
            '@' => 'a',
            '!' | '|' => 'i',
            '$' => 's',
            '+' => 't',
            '4' if digits => 'a',
            '8' if digits => 'b',
            '3' if digits => 'e',
            '1' if digits => 'i',
            '0' if digits => 'o',
            '5' if digits => 's',
            '7' if digits => 't',
            c => c,
        })
        .collect()
}

/// `aaaaaaaaaa`, `ababababab`, `passwordpassword`: the password is one
/// shorter unit repeated, and that unit alone would be too short.
fn repeats_a_short_unit(key: &str) -> bool {
    let chars: Vec<char> = key.chars().collect();
    (1..MIN_LENGTH.min(chars.len())).any(|unit| {
        chars.len().is_multiple_of(unit) && chars.chunks(unit).all(|chunk| chunk == &chars[..unit])
    })
}

/// `abcdefghij`, `0123456789`, `9876543210`: each character one after or
/// one before the last.
fn is_sequence(key: &str) -> bool {
    let codes: Vec<i64> = key.chars().map(|c| i64::from(u32::from(c))).collect();
    let steps: Vec<i64> = codes.windows(2).map(|w| w[1] - w[0]).collect();
    steps.iter().all(|s| *s == 1) || steps.iter().all(|s| *s == -1)
}

/// The embedded list of common passwords and words.
fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("password/common.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

fn argon2() -> Result<Argon2<'static>> {
    // OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1.
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| Error::Password(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a new `password` with a fresh random salt.
///
/// Returns [`Error::Invalid`] if [`check`] refuses it (without personal
/// details: callers that know them check first).
pub fn hash(password: &str) -> Result<String> {
    check(password, &[]).map_err(|weakness| Error::Invalid {
        detail: weakness.to_string(),
    })?;
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

    #[test]
    fn new_passwords_are_checked_as_ncsc_and_nist_advise() {
        use super::{Weakness::*, check};
        let email = ["bo.smith@rotherham.gov.uk", "Bo Smith"];
        for (password, want) in [
            // Spaces and invisible characters do not count towards the length.
            (" ".repeat(10), Err(TooShort)),
            ("\u{200B}".repeat(10), Err(TooShort)),
            (
                "\u{FEFF}\u{2060}\u{00AD}\t\n\u{3000}".repeat(3),
                Err(TooShort),
            ),
            ("a b c d e f g h i".into(), Err(TooShort)),
            ("x".repeat(301), Err(TooLong)),
            // Common passwords, common words with digits and symbols
            // around them, the usual swaps, keyboard and number patterns.
            ("password123".into(), Err(Common)),
            ("Password1234!".into(), Err(Common)),
            ("P@ssw0rd2024".into(), Err(Common)),
            ("pass word 1234".into(), Err(Common)),
            ("$unshine1999".into(), Err(Common)),
            ("Liverpool1892".into(), Err(Common)),
            ("qwertyuiop".into(), Err(Common)),
            ("1qaz2wsx3edc".into(), Err(Common)),
            ("1234567890".into(), Err(Common)),
            ("zyxwvutsrq".into(), Err(Common)),
            ("aaaaaaaaaaaa".into(), Err(Common)),
            ("abababababab".into(), Err(Common)),
            ("monkeymonkey".into(), Err(Common)),
            ("\u{200B}password\u{200B}12".into(), Err(Common)),
            // The person's own address and name.
            ("bo.smith@rotherham.gov.uk".into(), Err(Personal)),
            ("bo.smith2024".into(), Err(Personal)),
            ("BoSmith!!!!".into(), Err(Personal)),
            // Accepted: length, not composition.
            ("correct horse battery".into(), Ok(())),
            ("a new long passphrase".into(), Ok(())),
            ("tulip engine marmalade".into(), Ok(())),
            ("8f3k29dk1q".into(), Ok(())),
            ("ünïcødé wörds 2024".into(), Ok(())),
        ] {
            assert_eq!(check(&password, &email), want, "{password:?}");
        }
    }

    #[test]
    fn the_list_is_lower_case_one_entry_a_line() {
        let list = super::common();
        assert!(list.len() > 500, "{}", list.len());
        for entry in list {
            assert_eq!(*entry, entry.to_lowercase(), "{entry}");
            assert!(!entry.contains(char::is_whitespace), "{entry:?}");
        }
    }
}
