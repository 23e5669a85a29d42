//! Integration tests: one crate, one module per pipeline stage plus the CLI.
//! Self-contained: fixtures live in `tests/fixtures/`; nothing reaches the network.

mod bib;
mod cli_check;
mod support;
