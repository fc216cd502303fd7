//! The citebench command line: parses arguments and calls the engine in
//! `citebench-core`; every capability lives in a library a test can call.
//! Each subcommand is one module of `commands`.

mod commands;
mod plots;
mod report;

use anyhow::Result;
use clap::Parser;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "citebench", version, about = "Find out when latent causal models of single-cell perturbations can be trusted")]
struct Cli {
    /// Directory holding the model plugins (default: the scenario's
    /// `plugin_dir`, else beside this executable).
    #[arg(long, global = true)]
    plugin_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: commands::Command,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    commands::execute(cli.command, cli.plugin_dir.as_deref())
}
