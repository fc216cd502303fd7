//! `citebench plot`: plots of a results.csv, written beside it (or into
//! `--out`): each metric against each swept key.

use crate::{plots, report};
use anyhow::{Context, Result, bail};
use citebench_core::runner::results::ResultsTable;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    results: PathBuf,
    /// Directory for the plots (default: the one holding the results).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn execute(args: Args) -> Result<()> {
    let table = ResultsTable::read(&args.results)?;
    if !table.incomplete.is_empty() {
        eprintln!("warning: {} jobs of {} are incomplete and left out", table.incomplete.len(), args.results.display());
    }
    let dir = args.out.unwrap_or_else(|| args.results.parent().unwrap_or(Path::new(".")).to_path_buf());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let files = plots::write_plots(&table, &dir)?;
    if files.is_empty() {
        bail!("{} holds no value to plot", args.results.display());
    }
    report::print_plots(&files);
    Ok(())
}
