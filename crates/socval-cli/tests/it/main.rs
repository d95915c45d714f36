//! Integration tests of the socval binary: one test binary, one module per subcommand.

mod admin;
mod geo;
mod spend;
