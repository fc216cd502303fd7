//! CI-sized end-to-end runs of the two real-data benchmarks through the
//! CLI, on small subsets of the files in ../shared/data: the scenario
//! files' data settings with fewer cells, genes and epochs. Results are
//! checked against means computed here from the prepared data, so a wrong
//! control or condition would show.

mod common;

use citebench_core::data::{Perturbation, Simulation};
use citebench_h5ad_source::{H5adConfig, H5adSource};
use common::{citebench, read_results, text, write_scenario};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

fn shared_data(name: &str) -> PathBuf {
    let path = common::repo_root().join("../shared/data").join(name);
    assert!(
        path.exists(),
        "{} is missing: the real-data tests read ../shared/data/ beside the repository (see README, Real data)",
        path.display()
    );
    path
}

/// The `[simulator.config]` of a shipped scenario with `path` made
/// absolute and `subset` appended (keys the scenario does not set).
fn config_of(scenario: &str, subset: &str) -> (String, toml::Table) {
    let text = std::fs::read_to_string(common::repo_root().join("scenarios").join(scenario)).unwrap();
    let file: toml::Table = toml::from_str(&text).unwrap();
    let mut config = file["simulator"]["config"].as_table().unwrap().clone();
    let data = Path::new(config["path"].as_str().unwrap()).file_name().unwrap().to_str().unwrap().to_string();
    config.insert("path".into(), toml::Value::String(shared_data(&data).to_string_lossy().into_owned()));
    let extra: toml::Table = toml::from_str(subset).unwrap();
    config.extend(extra);
    (toml::to_string(&config).unwrap(), config)
}

fn load(config: &toml::Table) -> Simulation {
    H5adSource::new(".").load(&H5adConfig::from_table(config).unwrap()).unwrap()
}

/// The mean of the rows of `p` at time point `t`, in f64.
fn mean(sim: &Simulation, p: &Perturbation, t: u32) -> Vec<f64> {
    let obs = &sim.dataset.observations;
    obs.x().mean_of_rows(&obs.rows_where(p, t)).unwrap()
}

fn mse(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / a.len() as f64
}

fn run(dir: &Path, name: &str, scenario: &str) -> Vec<HashMap<String, String>> {
    let path = write_scenario(dir, &format!("{name}.toml"), scenario);
    let out = dir.join(name);
    let output = citebench(&["run", &path, "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}\n{}", text(&output.stdout), text(&output.stderr));
    read_results(&out.join("results.csv"))
}

fn value(rows: &[HashMap<String, String>], model: &str, metric: &str) -> f64 {
    let row = rows.iter().find(|r| r["model"] == model && r["metric"] == metric && r["time_point"] == "all").unwrap_or_else(|| panic!("no {model} {metric} row"));
    assert_eq!(row["status"], "ok", "{model} {metric}: {}", row["message"]);
    row["value"].parse().unwrap()
}

#[test]
fn papalexi_subset_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let subset = "perturbations = [\"IFNGR1\", \"IFNGR2\", \"JAK2\", \"STAT1\"]\nmax_cells_per_label = 150\nhighly_variable_genes = 50";
    let (config_text, config) = config_of("papalexi2021.toml", subset);
    let scenario = format!(
        "name = \"papalexi-ci\"\nseeds = [1]\nmetrics = [\"ood_mse\", \"pearson_delta\", \"mcc\"]\nthreads = 1\n\
         [simulator]\nname = \"h5ad\"\n[simulator.config]\n{config_text}\n[split]\nheld_out_perturbations = [\"IFNGR2\"]\n\
         [[models]]\nplugin = \"control-mean\"\n[[models]]\nplugin = \"additive\"\n\
         [[models]]\nplugin = \"sams-vae\"\n[models.hyperparameters.training]\nmax_epochs = 3\n"
    );
    let rows = run(dir.path(), "papalexi", &scenario);

    // control-mean predicts the training controls' mean; additive has no
    // shift for an unseen target, so it predicts the same.
    let sim = load(&config);
    let ifngr2 = Perturbation::parse("IFNGR2", &sim.dataset.target_names).unwrap();
    let expected = mse(&mean(&sim, &Perturbation::control(), 0), &mean(&sim, &ifngr2, 0));
    for model in ["control-mean", "additive"] {
        let got = value(&rows, model, "ood_mse");
        assert!((got - expected).abs() < 1e-6 * expected.max(1.0), "{model}: ood_mse {got}, expected {expected}");
    }
    assert!(value(&rows, "ceiling", "ood_mse") < expected, "the noise ceiling beats the control mean");
    assert!(value(&rows, "sams-vae", "ood_mse").is_finite());
    let mcc: Vec<_> = rows.iter().filter(|r| r["metric"] == "mcc").collect();
    assert!(!mcc.is_empty() && mcc.iter().all(|r| r["status"] == "skipped"), "{mcc:?}");
    assert!(mcc.iter().any(|r| r["message"].contains("no true latents")), "{mcc:?}");
}

#[test]
fn zscape_subset_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let subset = "perturbations = [\"tfap2a\", \"foxd3\", \"tfap2a-foxd3\"]";
    let (config_text, config) = config_of("zscape-timecourse.toml", subset);
    let scenario = format!(
        "name = \"zscape-ci\"\nseeds = [1]\nmetrics = [\"ood_mse\", \"pearson_delta\"]\nthreads = 1\n\
         [simulator]\nname = \"h5ad\"\n[simulator.config]\n{config_text}\n[split]\nheld_out_perturbations = [\"foxd3+tfap2a\"]\n\
         [[models]]\nplugin = \"additive\"\n\
         [[models]]\nplugin = \"cite-vae\"\n[models.hyperparameters.training]\nbatch_size = 64\nmax_epochs = 3\n"
    );
    let rows = run(dir.path(), "zscape", &scenario);

    // additive: control(t) + (foxd3(t) - control(t)) + (tfap2a(t) - control(t)),
    // scored at each time point the double crispant was sampled (36, 48, 72 hpf).
    let sim = load(&config);
    let names = &sim.dataset.target_names;
    let [double, foxd3, tfap2a] = ["foxd3+tfap2a", "foxd3", "tfap2a"].map(|l| Perturbation::parse(l, names).unwrap());
    let times = sim.dataset.observations.time_values().to_vec();
    let mut per_time = Vec::new();
    for t in 0..times.len() as u32 {
        if sim.dataset.observations.rows_where(&double, t).is_empty() {
            continue;
        }
        let control = mean(&sim, &Perturbation::control(), t);
        let predicted: Vec<f64> = (0..control.len())
            .map(|g| mean(&sim, &foxd3, t)[g] + mean(&sim, &tfap2a, t)[g] - control[g])
            .collect();
        let expected = mse(&predicted, &mean(&sim, &double, t));
        let row = rows
            .iter()
            .find(|r| r["model"] == "additive" && r["metric"] == "ood_mse" && r["time_point"] == times[t as usize].to_string())
            .unwrap_or_else(|| panic!("no additive row at {} hpf", times[t as usize]));
        let got: f64 = row["value"].parse().unwrap();
        assert!((got - expected).abs() < 1e-6 * expected.max(1.0), "{} hpf: {got} vs {expected}", times[t as usize]);
        per_time.push(times[t as usize]);
    }
    assert_eq!(per_time, [36.0, 48.0, 72.0]);
    assert!(value(&rows, "cite-vae", "ood_mse").is_finite());
}
