//! The README's main job, end to end: the quickstart scenario through the
//! CLI, with its output checked, and run twice for determinism.

mod common;

use common::{citebench, read_results, text};
use std::collections::HashMap;

fn run_quickstart(out: &std::path::Path) -> Vec<HashMap<String, String>> {
    let output = citebench(&["run", "scenarios/quickstart.toml", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "stderr: {}\nstdout: {}", text(&output.stderr), text(&output.stdout));
    let stdout = text(&output.stdout);
    for word in ["control-mean", "additive", "pca", "mcc", "ood_mse", "pearson_delta"] {
        assert!(stdout.contains(word), "summary lacks {word}: {stdout}");
    }
    read_results(&out.join("results.csv"))
}

fn overall(rows: &[HashMap<String, String>], model: &str, metric: &str) -> Vec<f64> {
    rows.iter()
        .filter(|r| r["model"] == model && r["metric"] == metric && r["time_point"] == "all" && r["status"] == "ok")
        .map(|r| r["value"].parse().unwrap())
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[test]
fn quickstart_scores_every_baseline_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let rows = run_quickstart(&dir.path().join("a"));

    // Three seeds: every model gets its metrics overall and per time point.
    let pca_mcc = overall(&rows, "pca", "mcc");
    assert_eq!(pca_mcc.len(), 3);
    assert!(pca_mcc.iter().all(|&v| v > 0.2 && v < 1.0), "PCA's MCC should be partial: {pca_mcc:?}");
    for model in ["control-mean", "additive"] {
        assert_eq!(overall(&rows, model, "ood_mse").len(), 3, "{model}");
        assert_eq!(overall(&rows, model, "pearson_delta").len(), 3, "{model}");
        let per_time = rows.iter().filter(|r| r["model"] == model && r["metric"] == "ood_mse" && r["time_point"] != "all");
        assert_eq!(per_time.count(), 3 * 5, "{model}: one row per seed and time point");
    }
    // What a model cannot do is a skipped row with its reason, not a gap.
    let skipped: Vec<_> = rows.iter().filter(|r| r["model"] == "pca" && r["metric"] == "ood_mse").collect();
    assert_eq!(skipped.len(), 3);
    assert!(skipped.iter().all(|r| r["status"] == "skipped" && r["message"].contains("cannot predict")));
    assert!(rows.iter().all(|r| r["status"] != "error"), "no errors expected");

    // The additive model knows the singles behind the held-out combinations;
    // the control mean knows nothing about any perturbation.
    let additive = mean(&overall(&rows, "additive", "ood_mse"));
    let control = mean(&overall(&rows, "control-mean", "ood_mse"));
    assert!(additive < control, "additive {additive} should beat control-mean {control} on combinations");
    assert!(mean(&overall(&rows, "additive", "pearson_delta")) > 0.3);
    // Predicting the control mean exactly gives a constant delta: documented as 0.
    assert!(overall(&rows, "control-mean", "pearson_delta").iter().all(|&v| v == 0.0));

    // Same seeds, same results, apart from timings.
    let again = run_quickstart(&dir.path().join("b"));
    let strip = |rows: Vec<HashMap<String, String>>| {
        rows.into_iter()
            .map(|mut r| {
                r.remove("seconds");
                r
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(rows), strip(again));
}

#[test]
fn results_are_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("results.csv"), "precious").unwrap();
    let output = citebench(&["run", "scenarios/quickstart.toml", "--out", out.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(text(&output.stderr).contains("already exists"), "{}", text(&output.stderr));
    assert_eq!(std::fs::read_to_string(out.join("results.csv")).unwrap(), "precious");
}

/// `citebench summary --markdown` prints each model's mean ± sd over seeds
/// of the overall values in results.csv, as a Markdown table README can hold.
#[test]
fn summary_reprints_the_results_as_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let rows = run_quickstart(&dir.path().join("a"));
    let csv = dir.path().join("a/results.csv");
    let output = citebench(&["summary", csv.to_str().unwrap(), "--markdown", "--metrics", "ood_mse,mcc"]);
    assert!(output.status.success(), "stderr: {}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with('|')).collect();
    assert_eq!(lines[0].split('|').map(str::trim).filter(|c| !c.is_empty()).collect::<Vec<_>>(), ["model", "ood_mse", "mcc"]);
    let additive = lines.iter().find(|l| l.starts_with("| additive")).expect("an additive row");
    let values = overall(&rows, "additive", "ood_mse");
    let m = mean(&values);
    let sd = (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt();
    let cell = additive.split('|').nth(2).unwrap().trim();
    assert_eq!(cell, format!("{m:.3} ± {sd:.3}"));
    assert_eq!(additive.split('|').nth(3).unwrap().trim(), "-", "additive does not encode");

    let unknown = citebench(&["summary", csv.to_str().unwrap(), "--metrics", "mcc,ood_mes"]);
    assert!(!unknown.status.success());
    assert!(text(&unknown.stderr).contains("`ood_mes`"), "{}", text(&unknown.stderr));
}
