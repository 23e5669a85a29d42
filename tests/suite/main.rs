//! Integration tests: one crate, one module per pipeline stage plus the CLI.
//! Self-contained: fixtures live in `tests/fixtures/`; nothing reaches the network.

mod attribution;
mod bib;
mod browser;
mod build;
mod cli_check;
mod diag;
mod fill;
mod full_disk;
mod fuzz_regressions;
mod harvest;
mod harvest_cli;
mod hostile;
mod hostile_services;
mod kill;
mod merge;
mod page_edit;
mod props;
mod refresh;
mod render;
mod secrets;
mod site;
mod support;
mod workflow;
