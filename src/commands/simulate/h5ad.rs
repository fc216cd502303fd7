//! Writing a simulation as an AnnData `.h5ad` file, with the element
//! encodings of `citebench-anndata` (which keeps the HDF5 crate behind it).
//!
//! Layout: `X` (cells x features, float32); `obs` with columns
//! `perturbation` (categorical), `time_point`, `time`, `replicate`, `unit`;
//! `var` indexed by feature name; `obsm/latents` (the true latents); `uns`
//! with the latent blocks, the latent graph (`from`, `to`, `lag`), target
//! names, `target_latents` (a targets x latents 0/1 matrix), confounded
//! latents, time values, seed, simulator name and the scenario's text.

use anyhow::{Context, Result};
use citebench_core::data::Simulation;
use citebench_anndata::write::{anndata_file, array, categorical, dataframe, dict, scalar, strings};
use std::path::Path;

/// What `uns` records besides the simulation itself.
pub struct Provenance<'a> {
    pub simulator: &'a str,
    pub seed: u64,
    pub scenario: &'a str,
    /// Latent columns driven by a hidden confounder.
    pub confounded_latents: &'a [usize],
}

pub fn write(path: &Path, simulation: &Simulation, provenance: &Provenance<'_>) -> Result<()> {
    let (dataset, truth) = (&simulation.dataset, &simulation.truth);
    let obs = &dataset.observations;
    let (rows, cols) = (obs.len(), obs.x().cols());
    let mut file = anndata_file();
    array(file.create_dataset("X").with_f32_data(obs.x().as_slice()).with_shape(&[rows as u64, cols as u64]));

    let mut obs_group = dataframe(&mut file, "obs", &["perturbation", "time_point", "time", "replicate", "unit"]);
    let index: Vec<String> = obs.unit().iter().zip(obs.time_point()).map(|(u, t)| format!("u{u}_t{t}")).collect();
    strings(obs_group.create_dataset("_index"), &index);
    let labels: Vec<String> = obs.perturbations().iter().map(|p| dataset.label(p)).collect();
    let codes: Vec<i32> = obs.perturbation_index().iter().map(|&p| p as i32).collect();
    categorical(&mut obs_group, "perturbation", &labels, &codes);
    let time_point: Vec<i32> = obs.time_point().iter().map(|&t| t as i32).collect();
    array(obs_group.create_dataset("time_point").with_i32_data(&time_point));
    let time: Vec<f32> = obs.time_point().iter().map(|&t| obs.time_values()[t as usize]).collect();
    array(obs_group.create_dataset("time").with_f32_data(&time));
    let replicate: Vec<i32> = obs.replicate().iter().map(|&r| r as i32).collect();
    array(obs_group.create_dataset("replicate").with_i32_data(&replicate));
    let unit: Vec<i64> = obs.unit().iter().map(|&u| u as i64).collect();
    array(obs_group.create_dataset("unit").with_i64_data(&unit));
    file.add_group(obs_group.finish());

    let mut var = dataframe(&mut file, "var", &[]);
    strings(var.create_dataset("_index"), &dataset.feature_names);
    file.add_group(var.finish());

    let mut obsm = dict(&mut file, "obsm");
    let latents = truth.latents.cols() as u64;
    array(obsm.create_dataset("latents").with_f32_data(truth.latents.as_slice()).with_shape(&[rows as u64, latents]));
    file.add_group(obsm.finish());
    for empty in ["layers", "obsp", "varm", "varp"] {
        let group = dict(&mut file, empty);
        file.add_group(group.finish());
    }

    let mut uns = dict(&mut file, "uns");
    let blocks: Vec<String> = truth.blocks.iter().map(|b| b.name().to_string()).collect();
    strings(uns.create_dataset("latent_blocks"), &blocks);
    let mut graph = dict(&mut file, "latent_graph");
    let column = |f: fn(&citebench_core::data::Edge) -> i64| truth.graph.edges.iter().map(f).collect::<Vec<i64>>();
    array(graph.create_dataset("from").with_i64_data(&column(|e| e.from as i64)));
    array(graph.create_dataset("to").with_i64_data(&column(|e| e.to as i64)));
    array(graph.create_dataset("lag").with_i64_data(&column(|e| i64::from(e.lag))));
    uns.add_group(graph.finish());
    strings(uns.create_dataset("target_names"), &dataset.target_names);
    let n_latents = truth.latents.cols();
    let mut membership = vec![0i8; truth.target_latents.len() * n_latents];
    for (target, latents) in truth.target_latents.iter().enumerate() {
        latents.iter().for_each(|&l| membership[target * n_latents + l] = 1);
    }
    array(
        uns.create_dataset("target_latents")
            .with_i8_data(&membership)
            .with_shape(&[truth.target_latents.len() as u64, n_latents as u64]),
    );
    let confounded: Vec<i64> = provenance.confounded_latents.iter().map(|&l| l as i64).collect();
    array(uns.create_dataset("confounded_latents").with_i64_data(&confounded));
    array(uns.create_dataset("time_values").with_f32_data(obs.time_values()));
    scalar(uns.create_dataset("seed").with_i64_data(&[provenance.seed as i64]).with_shape(&[]), "numeric-scalar");
    scalar(uns.create_dataset("simulator").with_vlen_strings(&[provenance.simulator]).with_shape(&[]), "string");
    scalar(uns.create_dataset("scenario").with_vlen_strings(&[provenance.scenario]).with_shape(&[]), "string");
    file.add_group(uns.finish());

    file.write(path).with_context(|| format!("cannot write {}", path.display()))
}
