//! `flinspect rules` (in progress: see the issue tracker).

use super::{exit, Failure};

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_a: Args) -> Result<i32, Failure> {
    let _ = exit::FINDINGS;
    Err(Failure::Message(
        "the rules command is not built yet".into(),
    ))
}
