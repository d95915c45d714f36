//! The one check of a text's length for every form and API request.
//!
//! The limits are [`socval_core::limits`]'s: [`MAX_SHORT_TEXT`] for names,
//! titles, references and email addresses, [`MAX_LONG_TEXT`] for
//! descriptions, comments, narratives and reasons (a few fields keep a
//! stricter limit of their own, named where they are checked). Every
//! handler's validation checks its texts here, so every refusal reads the
//! same, GOV.UK style: "Title must be 300 characters or fewer". The table
//! in `docs/web.md` ("Limits") lists them all.

pub(crate) use socval_core::limits::{MAX_LONG_TEXT, MAX_SHORT_TEXT};

/// An email address (characters): the most SMTP carries (RFC 5321),
/// stricter than [`MAX_SHORT_TEXT`].
pub(crate) const MAX_EMAIL: usize = 254;

use crate::html::FormErrors;

/// The message for `label` (its name as the person sees it, capitalised)
/// if `text` is longer than `max` characters; `None` if it fits.
pub(crate) fn too_long(label: &str, text: &str, max: usize) -> Option<String> {
    socval_core::limits::check_text(text, max)
        .err()
        .map(|_| format!("{label} must be {} characters or fewer", grouped(max)))
}

impl FormErrors {
    /// Records on `field` that `text` is longer than `max` characters
    /// ([`too_long`]); returns whether it fits.
    pub(crate) fn check_length(
        &mut self,
        field: &'static str,
        label: &str,
        text: &str,
        max: usize,
    ) -> bool {
        match too_long(label, text, max) {
            Some(message) => {
                self.add(field, message);
                false
            }
            None => true,
        }
    }
}

/// `20000` as `20,000`.
fn grouped(n: usize) -> String {
    socval_core::group_digits(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_counted_in_characters_and_said_in_words() {
        assert_eq!(too_long("Title", &"é".repeat(300), MAX_SHORT_TEXT), None);
        assert_eq!(
            too_long("Title", &"é".repeat(301), MAX_SHORT_TEXT).as_deref(),
            Some("Title must be 300 characters or fewer")
        );
        assert_eq!(
            too_long("Comment", &"a".repeat(20_001), MAX_LONG_TEXT).as_deref(),
            Some("Comment must be 20,000 characters or fewer")
        );
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(50), "50");
    }
}
