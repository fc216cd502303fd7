//! `citebench jobs`: the jobs of a scenario (or of one shard), one per line,
//! tab-separated: id, sweep point, seed, model. Reads only the scenario:
//! no plugin is loaded and nothing is simulated.

use anyhow::Result;
use citebench_core::scenario::{Job, Scenario, Shard};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    scenario: PathBuf,
    /// List only the jobs of shard INDEX of COUNT, as `run --shard` runs them.
    #[arg(long, value_name = "INDEX/COUNT")]
    shard: Option<Shard>,
}

pub fn execute(args: Args) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let jobs: Vec<&Job> = match args.shard {
        Some(shard) => shard.select(scenario.jobs()),
        None => scenario.jobs().iter().collect(),
    };
    println!("job\tpoint\tseed\tmodel");
    for job in jobs {
        let point = scenario.point_label(&job.point);
        let point = if point.is_empty() { "-".to_string() } else { point };
        println!("{}\t{point}\t{}\t{}", job.id, job.seed, job.spec.label);
    }
    Ok(())
}
