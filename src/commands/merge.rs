//! `citebench merge`: joins the results of a scenario's shards into one
//! results.csv in job order, after checking that every job of the scenario
//! is there exactly once, then summarises and plots it.

use crate::{plots, report};
use anyhow::{Result, bail};
use citebench_core::runner::collate;
use citebench_core::runner::results::ResultRow;
use citebench_core::runner::summary::Summary;
use citebench_core::scenario::Scenario;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The merged results file to write; it must not exist yet.
    out: PathBuf,
    /// The shards' results.csv files.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// The scenario the shards ran: its job list is what must be complete.
    #[arg(long)]
    scenario: PathBuf,
}

pub fn execute(args: Args) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let table = collate::merge(&args.out, &scenario, &args.shards)?;
    let rows: Vec<ResultRow> = table.jobs.iter().flat_map(|j| j.rows.iter().cloned()).collect();
    let summary = Summary::from_rows(&rows);
    report::print_summary(&scenario, &summary);
    println!("merged {} jobs from {} files: {}", table.jobs.len(), args.shards.len(), args.out.display());
    match plots::write_plots(&table, args.out.parent().unwrap_or(Path::new("."))) {
        Ok(files) => report::print_plots(&files),
        Err(e) => eprintln!("warning: no plots: {e:#}"),
    }
    if summary.cells.is_empty() {
        bail!("no model produced any result; see the messages above");
    }
    Ok(())
}
