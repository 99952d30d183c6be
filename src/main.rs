use clap::Parser;
use std::process::ExitCode;

mod cli;
mod progress;

fn main() -> ExitCode {
    cli::run(cli::Cli::parse())
}
