//! CITE-VAE end to end through the CLI, sized for CI (about 15 s of
//! training in a release build): it trains on a small
//! well-posed SCM, encodes with labelled blocks, predicts a held-out
//! combination of seen singles better than the control mean, and gives the
//! same results for the same seed.

mod common;

use common::{citebench, read_results, results_without_seconds, text, write_scenario};
use std::collections::HashMap;

/// Two models on one small SCM: CITE-VAE (short training) and control-mean,
/// the floor its prediction must clear.
const SCENARIO: &str = r#"
seeds = [1, 2]
metrics = ["mcc_dynamic", "mcc_invariant", "r2_linear_invariant", "r2_linear_dynamic", "ood_mse", "pearson_delta"]
threads = 1

[simulator]
name = "latent-scm"
[simulator.config]
invariant_latents = 1
dynamic_latents = 2
observed = 8
targets = 5
combinations = ["P0+P1"]
time_points = 4
units_per_condition = 40

[split]
held_out_perturbations = ["P0+P1"]

[[models]]
plugin = "control-mean"

[[models]]
plugin = "cite-vae"
[models.hyperparameters]
invariant_latents = 1
dynamic_latents = 2
[models.hyperparameters.training]
max_epochs = 800
"#;

fn overall(rows: &[HashMap<String, String>], model: &str, metric: &str) -> Vec<f64> {
    rows.iter()
        .filter(|r| r["model"] == model && r["metric"] == metric && r["time_point"] == "all")
        .map(|r| {
            assert_eq!(r["status"], "ok", "{model} {metric}: {}", r["message"]);
            r["value"].parse().unwrap()
        })
        .collect()
}

#[test]
fn cite_vae_trains_encodes_predicts_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "cite.toml", SCENARIO);
    let run = |name: &str| {
        let out = dir.path().join(name);
        let output = citebench(&["run", &scenario, "--out", out.to_str().unwrap(), "--jobs", "2"]);
        assert!(output.status.success(), "stderr: {}\nstdout: {}", text(&output.stderr), text(&output.stdout));
        out.join("results.csv")
    };
    let first = run("a");
    let rows = read_results(&first);
    assert!(rows.iter().all(|r| r["status"] != "error"), "no errors expected: {rows:?}");

    // Encoding labels both blocks, so each block's metrics are defined, and
    // the latents carry the truth (a linear read-out explains most of it).
    for metric in ["mcc_dynamic", "mcc_invariant", "r2_linear_invariant", "r2_linear_dynamic"] {
        let values = overall(&rows, "cite-vae", metric);
        assert_eq!(values.len(), 2, "{metric}");
        assert!(values.iter().all(|v| v.is_finite() && *v <= 1.0), "{metric}: {values:?}");
    }
    let r2 = overall(&rows, "cite-vae", "r2_linear_dynamic");
    assert!(r2.iter().all(|&v| v > 0.5), "the dynamic latents are recoverable from the estimate: {r2:?}");

    // The held-out combination P0+P1 is predicted from the singles' learned
    // embeddings: better than the control mean, which knows no perturbation.
    let model = overall(&rows, "cite-vae", "ood_mse");
    let control = overall(&rows, "control-mean", "ood_mse");
    for (seed, (m, c)) in model.iter().zip(&control).enumerate() {
        assert!(m < c, "seed {}: cite-vae's ood_mse {m} should beat control-mean's {c}", seed + 1);
    }
    assert!(overall(&rows, "cite-vae", "pearson_delta").iter().all(|&v| v > 0.0));

    // Same seeds, same results on the CPU backend, apart from timings.
    assert_eq!(results_without_seconds(&run("b")), results_without_seconds(&first));
}
