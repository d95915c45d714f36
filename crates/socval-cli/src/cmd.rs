//! One module per subcommand, each with `Args` and `run`.

pub mod admin;
pub mod demo;
pub mod geo;
