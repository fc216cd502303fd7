//! `citebench evaluate`: score a model's saved outputs (CSV files) against
//! the truth, writing the same results.csv rows as `run`. The file layouts
//! are documented in `citebench_core::evaluate`.

use anyhow::{Result, bail};
use citebench_core::evaluate::{Evaluation, evaluate};
use citebench_core::metric::MetricRegistry;
use citebench_core::runner::results::{ResultsWriter, RowStatus};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The truth: true latents, or observed cells with a `perturbation` column.
    #[arg(long)]
    truth: PathBuf,
    /// The model's output: estimated latents (same rows as the truth), or
    /// predicted cells with a `perturbation` column.
    #[arg(long)]
    estimate: PathBuf,
    /// Metrics to compute, comma-separated (default: every metric of the
    /// kind the truth holds).
    #[arg(long, value_delimiter = ',')]
    metrics: Option<Vec<String>>,
    /// The results file to create; an existing file is never replaced.
    #[arg(long, default_value = "results.csv")]
    out: PathBuf,
    /// The model name the rows carry.
    #[arg(long, default_value = "estimate")]
    model: String,
    /// Seed of the halves the bootstrap ceiling compares.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

pub fn execute(args: Args) -> Result<()> {
    if args.out.exists() {
        bail!("{} already exists; choose another --out file", args.out.display());
    }
    let evaluation = Evaluation {
        truth: &args.truth,
        estimate: &args.estimate,
        metrics: args.metrics.as_deref(),
        model: &args.model,
        seed: args.seed,
    };
    let rows = evaluate(&evaluation, &MetricRegistry::default())?;
    ResultsWriter::create(&args.out, &[])?.write_job(&rows)?;
    for row in rows.iter().filter(|r| r.time_point.is_none()) {
        match (row.status, row.value) {
            (RowStatus::Ok, Some(value)) => println!("{:<14} {:<28} {value:.6}", row.model, row.metric),
            _ => println!("{:<14} {:<28} {}: {}", row.model, row.metric, row.status.as_str(), row.message),
        }
    }
    println!("results: {}", args.out.display());
    if !rows.iter().any(|r| r.model == args.model && r.status == RowStatus::Ok) {
        bail!("no metric could be computed for {}; see the messages above", args.model);
    }
    Ok(())
}
