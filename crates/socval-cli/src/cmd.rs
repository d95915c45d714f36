//! One module per subcommand, each with `Args` and `run`.

pub mod admin;
pub mod contract;
pub mod demo;
pub mod evaluate;
pub mod framework;
pub mod geo;
pub mod quotes;
pub mod registers;
pub mod report;
pub mod serve;
pub mod spend;
pub mod value;
