//! The `herald` binary.

use std::process::ExitCode;

use clap::Parser;
use herald_web::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match herald_web::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("herald: {err:#}");
            ExitCode::FAILURE
        }
    }
}
