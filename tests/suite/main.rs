//! Integration tests: one crate, one module per pipeline stage plus the CLI.
//! Self-contained: fixtures live in `tests/fixtures/`; nothing reaches the network.

mod diag;
mod fill;
mod harvest;
mod page_edit;
mod refresh;
mod support;
mod workflow;
