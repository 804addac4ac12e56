//! The integration tests, one binary (`cargo test --test it`; one suite: `cargo test --test it
//! oracle::`). Each module is one suite; `common`, `check_support` and `scan_fixture` are their
//! shared helpers, `browser` drives headless Chromium for `html`.

mod browser;
mod check_support;
mod common;
mod remote_support;
mod scan_fixture;

mod audit;
mod check_cli;
mod check_restore_truth;
mod check_rules;
mod check_upgrade_truth;
mod cli;
mod config_keys;
mod diff_cli;
mod diff_restore_truth;
mod golden;
mod graph;
mod hostile;
mod html;
mod job_file;
mod json_contract;
mod oracle;
mod probe;
mod read_only;
mod remote;
mod remote_audit;
mod scan;
mod scan_json;
mod scan_view;
mod schemas;
mod state_meta_oracle;
