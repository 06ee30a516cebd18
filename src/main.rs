//! Entry point: parse the command line and run it.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    bimtek_api::cli::run(bimtek_api::cli::Cli::parse())
}
