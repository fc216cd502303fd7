//! Writing a simulation as one CSV table: per row its obs columns
//! (`unit`, `perturbation`, `time_point`, `time`, `replicate`), its
//! features, then its true latents as `true_latent_0`, ... (ground truth,
//! for analysis; a model must never be trained on those columns).

use anyhow::{Context, Result};
use citebench_core::data::Simulation;
use std::io::{BufWriter, Write};
use std::path::Path;

pub fn write(path: &Path, simulation: &Simulation) -> Result<()> {
    let context = || format!("cannot write {}", path.display());
    let file = std::fs::File::create(path).with_context(context)?;
    write_to(BufWriter::new(file), simulation).with_context(context)
}

fn write_to(mut out: impl Write, simulation: &Simulation) -> std::io::Result<()> {
    let (dataset, truth) = (&simulation.dataset, &simulation.truth);
    let obs = &dataset.observations;
    let labels: Vec<String> = obs.perturbations().iter().map(|p| dataset.label(p)).collect();
    let latent_names = (0..truth.latents.cols()).map(|k| format!("true_latent_{k}"));
    let header: Vec<String> = ["unit", "perturbation", "time_point", "time", "replicate"]
        .into_iter()
        .map(str::to_string)
        .chain(dataset.feature_names.iter().cloned())
        .chain(latent_names)
        .collect();
    writeln!(out, "{}", header.join(","))?;
    for row in 0..obs.len() {
        let t = obs.time_point()[row];
        write!(
            out,
            "{},{},{t},{},{}",
            obs.unit()[row],
            labels[obs.perturbation_index()[row] as usize],
            obs.time_values()[t as usize],
            obs.replicate()[row]
        )?;
        for value in obs.x().row(row).iter().chain(truth.latents.row(row)) {
            write!(out, ",{value}")?;
        }
        writeln!(out)?;
    }
    out.flush()
}
