//! `citebench evaluate`: score a model's saved outputs (CSV or `.h5ad`
//! files) against the truth, writing the same results.csv rows as `run`.
//! The layouts are documented in `citebench_core::evaluate`; an `.h5ad`
//! file is read as the table of its obs columns `perturbation`,
//! `time_point` and `cell` where it has them (its obs names as `cell`
//! otherwise), then one column per var of `X`; other obs columns are
//! ignored.

use anyhow::{Context, Result, bail};
use citebench_anndata::{AnnData, Column};
use citebench_core::evaluate::{CELL, Cells, Evaluation, OBS_COLUMNS, Table, evaluate};
use citebench_core::metric::MetricRegistry;
use citebench_core::runner::results::{ResultsWriter, RowStatus};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// The truth (`.csv` or `.h5ad`): true latents, or observed cells with a `perturbation` column.
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
    let (truth, estimate) = (read_table(&args.truth)?, read_table(&args.estimate)?);
    let evaluation = Evaluation {
        truth: &truth,
        estimate: &estimate,
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

/// A CSV file, or an `.h5ad` file as the table its module doc describes.
fn read_table(path: &Path) -> Result<Table> {
    if path.extension().is_none_or(|e| e != "h5ad") {
        return Ok(Table::read_csv(path)?);
    }
    let data = AnnData::open(path)?;
    let obs_names = data.obs_names()?;
    let obs_columns = data.obs_columns()?;
    let mut columns = Vec::new();
    if !obs_columns.iter().any(|c| c == CELL) {
        columns.push((CELL.to_string(), Cells::Text(obs_names.clone())));
    }
    // Only the columns the layouts give a meaning: the rest of obs (batch,
    // QC counts, ...) describes cells, it is not data to score.
    for name in obs_columns.into_iter().filter(|c| OBS_COLUMNS.contains(&c.as_str())) {
        let cells = match data.obs_column(&name)? {
            // A missing number reads as NaN, which the table reports with its row.
            Column::Numbers(v) => Cells::Numbers(v.into_iter().map(|x| x.map_or(f32::NAN, |x| x as f32)).collect()),
            other => Cells::Text(other.labels().into_iter().map(Option::unwrap_or_default).collect()),
        };
        columns.push((name, cells));
    }
    let x = data.x(dense_limit()).with_context(|| format!("reading X of {}", path.display()))?;
    for (j, name) in data.var_names()?.into_iter().enumerate() {
        columns.push((name, Cells::Numbers((0..x.rows).map(|i| x.values[i * x.cols + j]).collect())));
    }
    Ok(Table::from_columns(path, columns, obs_names)?)
}

/// The most memory a dense copy of one file's X may take: an eighth of
/// what the machine has available (`/proc/meminfo`), or 4 GiB where that is
/// unknown. Each of the two files' X is held twice while it becomes a
/// table, and the metrics copy the data once more.
fn dense_limit() -> usize {
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
        line.split_whitespace().nth(1)?.parse::<usize>().ok().map(|kib| kib * 1024)
    });
    available.map_or(4 << 30, |bytes| bytes / 8)
}
