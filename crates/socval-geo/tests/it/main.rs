//! Integration tests of socval-geo on the real files in ../shared/data.

mod common;
mod directory;
mod imd;
mod proptests;
