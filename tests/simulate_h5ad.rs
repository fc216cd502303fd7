//! `citebench simulate`: a scenario's data written as .h5ad opens in
//! Python's anndata and scanpy with the expected obs columns, shapes and
//! truth; written as .csv it has one line per row. Needs `python3` with
//! anndata and scanpy (`.ci/run` installs them with pip).

mod common;

use common::{citebench, text};
use std::process::Command;

/// Snapshots of counts with a confounder and instantaneous effects:
/// 4 conditions x 30 units, 3 time points, 25 genes, 2 + 3 latents.
const SCENARIO: &str = r#"
name = "h5ad-export"
seeds = [11]
metrics = ["mcc"]

[simulator]
name = "latent-scm"

[simulator.config]
invariant_latents = 2
dynamic_latents = 3
observed = 25
targets = 2
combinations = ["P0+P1"]
time_points = 3
units_per_condition = 30
observation_mode = "snapshots"

[simulator.config.counts]
library_size = 2000.0

[[simulator.config.violations]]
kind = "latent_confounder"
strength = 1.0

[[simulator.config.violations]]
kind = "instantaneous_effects"
strength = 0.5

[[models]]
plugin = "pca"
"#;

const CHECK: &str = r#"
import sys, warnings
warnings.simplefilter("ignore")
import anndata, numpy as np, scanpy as sc
a = anndata.read_h5ad(sys.argv[1])
assert a.shape == (120, 25), a.shape
assert list(a.obs.columns) == ["perturbation", "time_point", "time", "replicate", "unit"], list(a.obs.columns)
assert list(a.obs["perturbation"].cat.categories) == ["control", "P0", "P1", "P0+P1"], a.obs["perturbation"].cat.categories
assert a.obs["unit"].is_unique and a.obs_names.is_unique
assert sorted(a.obs["time_point"].unique()) == [0, 1, 2]
assert list(a.var_names[:2]) == ["g0", "g1"]
assert a.obsm["latents"].shape == (120, 5)
assert np.all(a.X >= 0) and np.all(a.X == np.round(a.X))
assert list(a.uns["latent_blocks"]) == ["invariant"] * 2 + ["dynamic"] * 3
g = a.uns["latent_graph"]
assert len(g["from"]) == len(g["to"]) == len(g["lag"]) and 0 in set(g["lag"]) and 1 in set(g["lag"])
assert a.uns["target_latents"].shape == (2, 5)
assert len(a.uns["confounded_latents"]) == 2 and min(a.uns["confounded_latents"]) >= 2
assert int(a.uns["seed"]) == 11 and a.uns["simulator"] == "latent-scm" and "h5ad-export" in a.uns["scenario"]
sc.pp.normalize_total(a, target_sum=1e4)
sc.pp.log1p(a)
sc.pp.pca(a, n_comps=4)
sc.tl.rank_genes_groups(a, "perturbation", reference="control")
print("anndata", anndata.__version__, "ok")
"#;

#[test]
fn simulated_h5ad_opens_in_anndata_and_scanpy_and_csv_has_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let h5ad = dir.path().join("cells.h5ad");
    let out = citebench(&["simulate", scenario.to_str().unwrap(), "--out", h5ad.to_str().unwrap()]);
    assert!(out.status.success(), "simulate failed: {}", text(&out.stderr));
    assert!(text(&out.stdout).contains("120 rows x 25 features (seed 11)"), "{}", text(&out.stdout));

    let python = Command::new("python3").args(["-c", CHECK]).arg(&h5ad).output().expect("python3 runs");
    assert!(
        python.status.success(),
        "anndata/scanpy could not use the file (needs `python3 -m pip install anndata scanpy`):\n{}{}",
        text(&python.stdout),
        text(&python.stderr)
    );

    let csv = dir.path().join("cells.csv");
    let out = citebench(&["simulate", scenario.to_str().unwrap(), "--out", csv.to_str().unwrap(), "--seed", "3"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&csv).unwrap();
    let mut lines = written.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("unit,perturbation,time_point,time,replicate,g0,"), "{header}");
    assert!(header.ends_with(",true_latent_4"), "{header}");
    assert_eq!(lines.count(), 120);
}

#[test]
fn bad_output_names_and_config_keys_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let out = citebench(&["simulate", scenario.to_str().unwrap(), "--out", "cells.parquet"]);
    assert!(!out.status.success() && text(&out.stderr).contains("must end in .h5ad or .csv"), "{}", text(&out.stderr));
    std::fs::write(&scenario, SCENARIO.replace("strength = 0.5", "strenght = 0.5")).unwrap();
    let out = citebench(&["simulate", scenario.to_str().unwrap(), "--out", dir.path().join("x.h5ad").to_str().unwrap()]);
    let message = text(&out.stderr);
    assert!(!out.status.success() && message.contains("strenght") && message.contains("strength"), "{message}");
}
