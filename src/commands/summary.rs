//! `citebench summary`: a results.csv's summary again (each model's overall
//! value of each metric at each sweep point, mean ± sd over seeds), for the
//! terminal or as a Markdown table, so README tables come from a command.

use crate::report::{self, TableStyle};
use anyhow::{Result, bail};
use citebench_core::runner::results::{ResultRow, ResultsTable};
use citebench_core::runner::summary::Summary;
use std::collections::BTreeSet;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    results: PathBuf,
    /// Print a Markdown table instead of the terminal one.
    #[arg(long)]
    markdown: bool,
    /// Only these metrics, in this order (comma-separated; default: all).
    #[arg(long, value_delimiter = ',')]
    metrics: Vec<String>,
}

pub fn execute(args: Args) -> Result<()> {
    let table = ResultsTable::read(&args.results)?;
    if !table.incomplete.is_empty() {
        eprintln!("warning: {} jobs of {} are incomplete and left out", table.incomplete.len(), args.results.display());
    }
    let rows: Vec<ResultRow> = table.jobs.iter().flat_map(|j| j.rows.iter().cloned()).collect();
    let Some(first) = rows.first() else { bail!("{} holds no complete job", args.results.display()) };
    let mut summary = Summary::from_rows(&rows);
    if !args.metrics.is_empty() {
        if let Some(unknown) = args.metrics.iter().find(|m| !summary.metrics.contains(m)) {
            bail!(
                "--metrics: `{unknown}` is not in {} (it has: {})",
                args.results.display(),
                summary.metrics.join(", ")
            );
        }
        summary.metrics = args.metrics.clone();
    }
    let seeds: BTreeSet<u64> = rows.iter().map(|r| r.seed).collect();
    let style = if args.markdown { TableStyle::Markdown } else { TableStyle::Terminal };
    report::print_summary_as(&first.scenario, seeds.len(), &summary, style);
    Ok(())
}
