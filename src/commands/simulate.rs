//! `citebench simulate`: the data of a scenario's simulator, written as an
//! AnnData `.h5ad` file (module `h5ad`) or a `.csv` table (module `csv`),
//! without training anything. Uses the scenario's `[simulator]` as written
//! (a `[sweep]` is not expanded) and its first seed unless `--seed` says.

mod csv;
mod h5ad;

use anyhow::{Context, Result, bail};
use citebench_core::data::Simulation;
use citebench_core::scenario::Scenario;
use citebench_core::simulator::SimulatorError;
use citebench_latent_scm::{LatentScm, LatentScmConfig};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    scenario: PathBuf,
    /// Output file: `.h5ad` (AnnData) or `.csv`.
    #[arg(long)]
    out: PathBuf,
    /// Seed (default: the scenario's first seed).
    #[arg(long)]
    seed: Option<u64>,
}

enum Format {
    H5ad,
    Csv,
}

pub fn execute(args: Args) -> Result<()> {
    let format = match args.out.extension().and_then(|e| e.to_str()) {
        Some("h5ad") => Format::H5ad,
        Some("csv") => Format::Csv,
        _ => bail!("--out {}: the file name must end in .h5ad or .csv", args.out.display()),
    };
    let scenario = Scenario::load(&args.scenario)?;
    let text = std::fs::read_to_string(&args.scenario)
        .with_context(|| format!("cannot read {}", args.scenario.display()))?;
    let seed = match args.seed.or_else(|| scenario.seeds.first().copied()) {
        Some(seed) => seed,
        None => bail!("{}: no seed: give `seeds` in the scenario or --seed", args.scenario.display()),
    };
    let (simulation, confounded) = simulate(&scenario, seed)?;
    match format {
        Format::H5ad => {
            let provenance = h5ad::Provenance {
                simulator: &scenario.simulator.name,
                seed,
                scenario: &text,
                confounded_latents: &confounded,
            };
            h5ad::write(&args.out, &simulation, &provenance)?
        }
        Format::Csv => csv::write(&args.out, &simulation)?,
    }
    let obs = &simulation.dataset.observations;
    println!("{}: {} rows x {} features (seed {seed})", args.out.display(), obs.len(), obs.x().cols());
    Ok(())
}

/// The scenario's simulation and its confounded latent columns: latent-scm
/// is asked for its detailed output, other simulators go through the trait.
pub(super) fn simulate(scenario: &Scenario, seed: u64) -> Result<(Simulation, Vec<usize>)> {
    let spec = &scenario.simulator;
    let located = |e: SimulatorError| -> anyhow::Error {
        match e {
            SimulatorError::Config(e) => scenario.locate(spec.config_start, "[simulator.config]", &e).into(),
            other => other.into(),
        }
    };
    if spec.name == "latent-scm" {
        let config = LatentScmConfig::from_table(&spec.config).map_err(|e| located(e.into()))?;
        let detailed = LatentScm::simulate_detailed(&config, seed).map_err(located)?;
        return Ok((detailed.simulation, detailed.notes.confounded_latents));
    }
    let registry = super::simulators(&scenario.path);
    let Some(simulator) = registry.get(&spec.name) else {
        let known = registry.names().join(", ");
        bail!("{}: unknown simulator `{}`; known: {known}", scenario.path.display(), spec.name);
    };
    Ok((simulator.simulate(&spec.config, seed).map_err(located)?, Vec::new()))
}
