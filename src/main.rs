//! Entry point: parse the command line and run it.

use std::process::ExitCode;

use clap::Parser;

// mimalloc instead of glibc malloc: allocation was about 12% of the server's CPU under load (perf, list pages).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    bimtek_api::cli::run(bimtek_api::cli::Cli::parse())
}
