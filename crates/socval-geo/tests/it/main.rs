//! Integration tests of socval-geo on the real files in ../shared/data.

// Tests compare coordinates and distances, which are not money.
#![allow(clippy::float_arithmetic)]

mod classifier;
mod common;
mod directory;
mod imd;
mod proptests;
