//! Static files compiled into the binary: the stylesheet, named by its
//! content's hash (served by `file.rs` with a year-long cache, so a new
//! release is fetched at once and an unchanged one never is).

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

const CSS: &str = include_str!("../static/socval.css");

static CSS_NAME: LazyLock<String> = LazyLock::new(|| {
    let hash = hex::encode(Sha256::digest(CSS.as_bytes()));
    format!("socval-{}.css", &hash[..12])
});
static CSS_PATH: LazyLock<String> = LazyLock::new(|| format!("/static/{}", *CSS_NAME));

/// The stylesheet's URL path, e.g. `/static/socval-0123456789ab.css`.
pub fn css_path() -> &'static str {
    &CSS_PATH
}

/// The stylesheet's text if `name` is its current content-hashed name.
pub(crate) fn css(name: &str) -> Option<&'static str> {
    (name == *CSS_NAME).then_some(CSS)
}
