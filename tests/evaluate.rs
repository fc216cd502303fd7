//! `citebench evaluate` end to end: CSV files in, results.csv out, and
//! errors that name the file, the line and the column.

mod common;

use common::{citebench, read_results, text};
use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_string_lossy().into_owned()
}

/// True latents (one invariant, two dynamic, 3 time points) and an estimate
/// that recovers them monotonically, in other slots, labelled by block.
fn latent_files(dir: &Path) -> (String, String) {
    let (mut truth, mut estimate) =
        ("cell,time_point,invariant_s,dynamic_z1,dynamic_z2\n".to_string(), "cell,dynamic_a,invariant_b,dynamic_c\n".to_string());
    for i in 0..60 {
        let x = i as f64;
        let (s, z1, z2) = ((x * 0.37).sin(), (x * 0.71).cos() + 0.01 * x, (x * 1.3).sin() * (x * 0.05).cos());
        writeln!(truth, "c{i},{},{s},{z1},{z2}", (i % 3) * 2).unwrap();
        writeln!(estimate, "c{i},{},{},{}", z2.exp(), 3.0 * s + 1.0, -z1).unwrap();
    }
    (write(dir, "truth.csv", &truth), write(dir, "estimate.csv", &estimate))
}

/// Observed cells of control, P0 and P0+P1 at time points 0 and 1 (two
/// genes, four cells each), and a prediction of P0 and P0+P1.
fn expression_files(dir: &Path, predicted: &str) -> (String, String) {
    let mut truth = "perturbation,time_point,g1,g2\n".to_string();
    for (label, shift) in [("control", 0.0), ("P0", 2.0), ("P0+P1", 3.5)] {
        for t in 0..2 {
            for k in 0..4 {
                let noise = ((k * 7 + t * 3) % 5) as f64 * 0.1;
                writeln!(truth, "{label},{t},{},{}", 1.0 + shift + noise, 5.0 - shift * (t as f64 + 1.0) + noise).unwrap();
            }
        }
    }
    (write(dir, "observed.csv", &truth), write(dir, "predicted.csv", predicted))
}

const PREDICTED: &str = "perturbation,time_point,g1,g2\n\
    P0,0,3.1,3.0\nP0,0,3.3,3.2\nP0,1,3.2,1.1\nP0,1,3.0,1.3\n\
    P0+P1,0,4.1,1.4\nP0+P1,0,4.6,1.7\ncontrol,0,1.0,5.0\n";

fn evaluate(dir: &Path, truth: &str, estimate: &str, extra: &[&str]) -> std::process::Output {
    let out = dir.join("results.csv");
    let mut args = vec!["evaluate", "--truth", truth, "--estimate", estimate, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    citebench(&args)
}

fn overall<'a>(rows: &'a [HashMap<String, String>], model: &str, metric: &str) -> Option<&'a HashMap<String, String>> {
    rows.iter().find(|r| r["model"] == model && r["metric"] == metric && r["time_point"] == "all")
}

fn value(row: &HashMap<String, String>) -> f64 {
    assert_eq!(row["status"], "ok", "{row:?}");
    row["value"].parse().unwrap()
}

#[test]
fn latents_are_scored_overall_per_time_point_and_per_block() {
    let dir = tempfile::tempdir().unwrap();
    let (truth, estimate) = latent_files(dir.path());
    let output = evaluate(dir.path(), &truth, &estimate, &[]);
    assert!(output.status.success(), "{}{}", text(&output.stderr), text(&output.stdout));
    let rows = read_results(&dir.path().join("results.csv"));
    assert!(rows.iter().all(|r| r["scenario"] == "evaluate" && r["model"] == "estimate"));
    assert!(rows.iter().all(|r| !r["value"].contains("NaN")), "never NaN");
    // Monotone recoveries: Spearman MCC is 1, and each block sits in its slots.
    assert!((value(overall(&rows, "estimate", "mcc_spearman").unwrap()) - 1.0).abs() < 1e-9);
    assert!((value(overall(&rows, "estimate", "mcc_invariant").unwrap()) - 1.0).abs() < 1e-9);
    assert!(value(overall(&rows, "estimate", "r2_kernel_dynamic").unwrap()) > 0.5);
    for metric in ["mcc", "r2_linear", "r2_kernel"] {
        let times: Vec<&str> =
            rows.iter().filter(|r| r["metric"] == metric).map(|r| r["time_point"].as_str()).collect();
        assert_eq!(times, ["all", "0", "2", "4"], "{metric}");
    }
}

#[test]
fn predictions_get_ceiling_baseline_and_normalised_rows() {
    let dir = tempfile::tempdir().unwrap();
    let (truth, estimate) = expression_files(dir.path(), PREDICTED);
    let output = evaluate(dir.path(), &truth, &estimate, &["--model", "my-model", "--seed", "3"]);
    assert!(output.status.success(), "{}{}", text(&output.stderr), text(&output.stdout));
    let rows = read_results(&dir.path().join("results.csv"));
    for model in ["my-model", "ceiling", "control-mean"] {
        for metric in ["ood_mse", "ood_mae", "pearson_delta", "pearson_delta_top20", "mse_top20", "energy_distance", "mmd"] {
            assert!(overall(&rows, model, metric).is_some(), "{model} {metric}");
        }
    }
    let [model, baseline, ceiling] = ["my-model", "control-mean", "ceiling"].map(|m| value(overall(&rows, m, "ood_mse").unwrap()));
    let normalised = value(overall(&rows, "my-model", "ood_mse_normalised").unwrap());
    assert!((normalised - (model - baseline) / (ceiling - baseline)).abs() < 1e-9);
    assert!(rows.iter().all(|r| r["status"] != "ok" || r["value"].parse::<f64>().unwrap().is_finite()));
    // P0+P1 is predicted at time point 0 only; control rows are not scored.
    let per_time: Vec<&str> = rows
        .iter()
        .filter(|r| r["model"] == "my-model" && r["metric"] == "ood_mse")
        .map(|r| r["time_point"].as_str())
        .collect();
    assert_eq!(per_time, ["all", "0", "1"]);
}

#[test]
fn a_condition_with_one_true_cell_is_scored_but_has_no_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let truth = write(dir.path(), "observed.csv", "perturbation,g1,g2\ncontrol,1,2\ncontrol,1.5,2.5\nP0,3,1\n");
    let estimate = write(dir.path(), "predicted.csv", "perturbation,g1,g2\nP0,2.5,1.5\nP0,3.5,0.5\n");
    let output = evaluate(dir.path(), &truth, &estimate, &["--metrics", "ood_mse,energy_distance"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = read_results(&dir.path().join("results.csv"));
    assert!((value(overall(&rows, "estimate", "ood_mse").unwrap()) - 0.0).abs() < 1e-9);
    // Mean distance to the one true cell is sqrt(0.5); the two predicted cells are sqrt(2) apart.
    let expected = 2.0 * 0.5f64.sqrt() - 2.0f64.sqrt() / 2.0;
    assert!((value(overall(&rows, "estimate", "energy_distance").unwrap()) - expected).abs() < 1e-6);
    let ceiling = overall(&rows, "ceiling", "ood_mse").unwrap();
    assert_eq!(ceiling["status"], "error");
    assert!(ceiling["message"].contains("`P0` at time point 0 has 1 true cells"), "{ceiling:?}");
}

/// Runs evaluate and returns its stderr, which must report a failure.
fn failure(dir: &Path, truth: &str, estimate: &str, extra: &[&str]) -> String {
    let output = evaluate(dir, truth, estimate, extra);
    assert!(!output.status.success(), "should fail: {}", text(&output.stdout));
    text(&output.stderr)
}

#[test]
fn bad_inputs_name_the_file_the_line_and_the_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (truth, estimate) = latent_files(d);

    let rows: String = (0..60).map(|i| if i == 1 { "x,3\n".to_string() } else { format!("{i},2\n") }).collect();
    let bad_number = write(d, "bad.csv", &format!("a,b\n{rows}"));
    let err = failure(d, &truth, &bad_number, &[]);
    assert!(err.contains("bad.csv: line 3: column `a`: expected a finite number, found `x`"), "{err}");

    let short = write(d, "short.csv", "a\n1\n2\n");
    let err = failure(d, &truth, &short, &[]);
    assert!(err.contains("short.csv: has 2 rows but the truth") && err.contains("has 60"), "{err}");

    let err = failure(d, &truth, &estimate, &["--metrics", "mcc,mc_spearman"]);
    assert!(err.contains("unknown metric `mc_spearman`; did you mean `mcc_spearman`?"), "{err}");

    let err = failure(d, &truth, &estimate, &["--metrics", "ood_mse"]);
    assert!(err.contains("metric `ood_mse` scores expression, but") && err.contains("holds latents"), "{err}");

    let (observed, _) = expression_files(d, PREDICTED);
    let unknown = write(d, "unknown.csv", "perturbation,time_point,g1,g2\nP0,0,1,1\nP7,0,1,1\n");
    let err = failure(d, &observed, &unknown, &[]);
    assert!(err.contains("unknown.csv: line 3: unknown perturbation target `P7`"), "{err}");

    let genes = write(d, "genes.csv", "perturbation,time_point,g2,g1\nP0,0,1,1\n");
    let err = failure(d, &observed, &genes, &[]);
    assert!(err.contains("genes.csv: gene column 1 is `g2` but the truth's is `g1`"), "{err}");

    let unseen = write(d, "unseen.csv", "perturbation,time_point,g1,g2\nP0+P1,5,1,1\n");
    let err = failure(d, &observed, &unseen, &[]);
    assert!(err.contains("unseen.csv: line 2: time point 5 is not among the truth's"), "{err}");
}

#[test]
fn nothing_to_score_and_existing_results_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // An empty held-out set: the estimate predicts no perturbed condition.
    let (observed, only_control) = expression_files(d, "perturbation,time_point,g1,g2\ncontrol,0,1,5\n");
    let err = failure(d, &observed, &only_control, &[]);
    assert!(err.contains("predicted.csv: predicts no perturbed condition"), "{err}");

    std::fs::write(d.join("results.csv"), "precious").unwrap();
    let (truth, estimate) = latent_files(d);
    let err = failure(d, &truth, &estimate, &[]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(d.join("results.csv")).unwrap(), "precious");
}

/// Writes `csv` again as `.h5ad` with Python's anndata, the way scanpy
/// users hold data: `perturbation` categorical, `time_point` an integer
/// obs column, and the remaining columns as X, sparse (CSR) when `sparse`.
fn h5ad_from_csv(csv: &str, sparse: bool) -> String {
    let h5ad = csv.replace(".csv", if sparse { "-sparse.h5ad" } else { ".h5ad" });
    let script = r#"
import sys, anndata, numpy as np, pandas as pd, scipy.sparse as sp
frame = pd.read_csv(sys.argv[1])
obs_cols = [c for c in ("perturbation", "time_point", "cell") if c in frame.columns]
obs = frame[obs_cols].copy()
if "perturbation" in obs:
    obs["perturbation"] = obs["perturbation"].astype("category")
obs.index = [f"obs{i}" for i in range(len(frame))]
x = frame.drop(columns=obs_cols).to_numpy(dtype=np.float32)
adata = anndata.AnnData(X=sp.csr_matrix(x) if sys.argv[3] == "1" else x, obs=obs,
                        var=pd.DataFrame(index=[c for c in frame.columns if c not in obs_cols]))
adata.write_h5ad(sys.argv[2], compression="gzip")
"#;
    let out = std::process::Command::new("python3").args(["-c", script, csv, &h5ad, if sparse { "1" } else { "0" }]).output().unwrap();
    assert!(out.status.success(), "anndata could not write {h5ad} (needs `python3 -m pip install anndata`): {}", text(&out.stderr));
    h5ad
}

fn results_without_seconds(dir: &Path, truth: &str, estimate: &str) -> Vec<Vec<String>> {
    let output = evaluate(dir, truth, estimate, &[]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = common::results_without_seconds(&dir.join("results.csv"));
    std::fs::remove_file(dir.join("results.csv")).unwrap();
    rows
}

#[test]
fn h5ad_inputs_score_as_the_same_data_in_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (observed, predicted) = expression_files(dir.path(), PREDICTED);
    let from_csv = results_without_seconds(dir.path(), &observed, &predicted);
    for sparse in [false, true] {
        let (truth, estimate) = (h5ad_from_csv(&observed, sparse), h5ad_from_csv(&predicted, sparse));
        assert_eq!(results_without_seconds(dir.path(), &truth, &estimate), from_csv, "sparse: {sparse}");
        // Either file may be CSV.
        assert_eq!(results_without_seconds(dir.path(), &truth, &predicted), from_csv, "sparse: {sparse}");
    }
    let (truth, estimate) = latent_files(dir.path());
    let from_csv = results_without_seconds(dir.path(), &truth, &estimate);
    assert_eq!(results_without_seconds(dir.path(), &h5ad_from_csv(&truth, false), &h5ad_from_csv(&estimate, true)), from_csv);
}

#[test]
fn bad_h5ad_files_name_the_file_and_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let (observed, predicted) = expression_files(dir.path(), PREDICTED);
    let truth = h5ad_from_csv(&observed, true);
    // Truncated: HDF5 cannot read it.
    let bytes = std::fs::read(&truth).unwrap();
    let truncated = write(dir.path(), "truncated.h5ad", "");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = failure(dir.path(), &truncated, &predicted, &[]);
    assert!(err.contains("truncated.h5ad") && err.contains("looks truncated"), "{err}");
    // Not HDF5 at all.
    let not_hdf5 = write(dir.path(), "text.h5ad", "perturbation\ncontrol\n");
    assert!(failure(dir.path(), &not_hdf5, &predicted, &[]).contains("text.h5ad"));
    // An absent file.
    let err = failure(dir.path(), &dir.path().join("absent.h5ad").to_string_lossy(), &predicted, &[]);
    assert!(err.contains("absent.h5ad: no such file"), "{err}");
}

/// A file `citebench simulate` wrote, with obs columns evaluate ignores
/// (`time`, `replicate`, `unit`), scored against itself: a perfect
/// prediction of every perturbed condition.
#[test]
fn a_simulated_h5ad_scored_against_itself_is_perfect() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write(
        dir.path(),
        "sim.toml",
        "seeds = [4]\nmetrics = [\"mcc\"]\n[simulator]\nname = \"latent-scm\"\n[simulator.config]\nobserved = 10\ntargets = 3\n\
         time_points = 3\nunits_per_condition = 20\n[[models]]\nplugin = \"control-mean\"\n",
    );
    let h5ad = dir.path().join("cells.h5ad").to_string_lossy().into_owned();
    let out = citebench(&["simulate", &scenario, "--out", &h5ad]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let output = evaluate(dir.path(), &h5ad, &h5ad, &["--metrics", "ood_mse,pearson_delta"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = read_results(&dir.path().join("results.csv"));
    assert_eq!(value(overall(&rows, "estimate", "ood_mse").unwrap()), 0.0);
    assert!((value(overall(&rows, "estimate", "pearson_delta").unwrap()) - 1.0).abs() < 1e-9);
}
