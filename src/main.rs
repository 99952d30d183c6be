use clap::Parser;
use std::process::ExitCode;

/// See the note on `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod merge;
mod progress;

fn main() -> ExitCode {
    cli::run(cli::Cli::parse())
}
