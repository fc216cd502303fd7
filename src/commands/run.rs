//! `citebench run`: a scenario end to end (or one shard of it): results.csv,
//! a summary, and plots beside the results.

use crate::{plots, report};
use anyhow::{Context, Result, bail};
use citebench_core::abi::host::PluginCatalog;
use citebench_core::metric::MetricRegistry;
use citebench_core::runner::Engine;
use citebench_core::runner::results::ResultRow;
use citebench_core::runner::summary::Summary;
use citebench_core::scenario::{Job, Scenario, Shard};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    scenario: PathBuf,
    /// Output directory (default: results/<scenario name>, or
    /// results/<scenario name>/shard-I-of-N with --shard).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Jobs run at once. Unless the scenario sets `threads`, each model's
    /// thread budget is the machine's cores divided by this (at least 1).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// Complete the run whose results.csv is in the output directory: keep
    /// its finished jobs, redo the ones it was killed in the middle of.
    #[arg(long)]
    resume: bool,
    /// Run only shard INDEX of COUNT (1 <= INDEX <= COUNT), as one task of
    /// a cluster job array; `citebench merge` joins the shards.
    #[arg(long, value_name = "INDEX/COUNT")]
    shard: Option<Shard>,
}

pub fn execute(args: Args, plugin_dir: Option<&Path>) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let catalog = PluginCatalog::scan(&super::plugin_dir(plugin_dir, Some(&scenario)))?;
    let (simulators, metrics) = (super::simulators(&scenario.path), MetricRegistry::default());
    let engine = Engine { simulators: &simulators, metrics: &metrics };
    let plan = engine.plan(&scenario, &catalog, usize::from(args.jobs))?;
    let jobs: Vec<&Job> = match args.shard {
        Some(shard) => shard.select(scenario.jobs()),
        None => scenario.jobs().iter().collect(),
    };
    let out = args.out.unwrap_or_else(|| {
        let dir = Path::new("results").join(&scenario.name);
        args.shard.map_or(dir.clone(), |s| dir.join(format!("shard-{}-of-{}", s.index, s.count)))
    });
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create output directory {}", out.display()))?;
    let results = out.join("results.csv");
    let mut progress = report::ProgressBar::new();
    let outcome = engine.run(&plan, &jobs, &results, args.resume, &mut progress)?;
    progress.finish();
    if outcome.resumed > 0 {
        eprintln!("resumed: {} of {} jobs were already complete", outcome.resumed, jobs.len());
    }
    let rows: Vec<ResultRow> = outcome.table.jobs.iter().flat_map(|j| j.rows.iter().cloned()).collect();
    let summary = Summary::from_rows(&rows);
    report::print_summary(&scenario, &summary);
    println!("results: {}", results.display());
    match args.shard {
        Some(shard) => println!("shard {shard}: {} jobs; join the shards with `citebench merge`", jobs.len()),
        // Plots are a view of the results: failing to draw them must not
        // fail a run whose results are written.
        None => match plots::write_plots(&outcome.table, &out) {
            Ok(files) => report::print_plots(&files),
            Err(e) => eprintln!("warning: no plots: {e:#}"),
        },
    }
    if summary.cells.is_empty() {
        bail!("no model produced any result; see the messages above");
    }
    Ok(())
}
