//! Bad scenarios fail with the file, the line, the key and a suggestion,
//! through `citebench validate`.

mod common;

use common::{citebench, text, write_scenario};

fn validate(text_: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = write_scenario(dir.path(), "bad.toml", text_);
    let output = citebench(&["validate", &path]);
    (output.status.success(), text(&output.stderr) + &text(&output.stdout))
}

fn quickstart() -> String {
    std::fs::read_to_string(common::repo_root().join("scenarios/quickstart.toml")).unwrap()
}

#[test]
fn the_quickstart_is_valid() {
    let (ok, out) = validate(&quickstart());
    assert!(ok, "{out}");
    assert!(out.contains("valid (3 seeds x 3 models = 9 jobs)"), "{out}");
}

#[test]
fn a_misspelt_simulator_key_names_line_and_nearest_key() {
    let (ok, out) = validate(&quickstart().replace("units_per_condition = 100", "unit_per_condition = 100"));
    assert!(!ok);
    assert!(out.contains("bad.toml:22:1: in [simulator.config]: unknown field `unit_per_condition`"), "{out}");
    assert!(out.contains("did you mean `units_per_condition`?"), "{out}");
}

#[test]
fn a_misspelt_hyperparameter_names_the_model_and_key() {
    let (ok, out) = validate(&quickstart().replace("n_components = 6", "n_component = 6"));
    assert!(!ok);
    assert!(out.contains("in hyperparameters of model `pca`"), "{out}");
    assert!(out.contains("did you mean `n_components`?"), "{out}");
}

#[test]
fn unknown_metric_simulator_and_split_label_are_named() {
    let (_, out) = validate(&quickstart().replace("\"pearson_delta\"", "\"pearson_dleta\""));
    assert!(out.contains("unknown metric `pearson_dleta`") && out.contains("did you mean `pearson_delta`?"), "{out}");
    let (_, out) = validate(&quickstart().replace("name = \"latent-scm\"", "name = \"latent_scm\""));
    assert!(out.contains("unknown simulator `latent_scm`") && out.contains("did you mean `latent-scm`?"), "{out}");
    let (_, out) = validate(&quickstart().replace("\"P8\"", "\"P42\""));
    assert!(out.contains("unknown perturbation target `P42`"), "{out}");
}

/// Every scenario shipped in `scenarios/` states its question in a header
/// comment and passes every check `run` makes before work starts.
#[test]
fn every_shipped_scenario_is_valid_and_states_its_question() {
    fn toml_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                toml_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "toml") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    toml_files(&common::repo_root().join("scenarios"), &mut files);
    files.sort();
    assert!(files.len() >= 20, "{files:?}");
    for file in &files {
        let contents = std::fs::read_to_string(file).unwrap();
        assert!(contents.starts_with("# "), "{}: the first line should state the question", file.display());
        let output = citebench(&["validate", file.to_str().unwrap()]);
        assert!(output.status.success(), "{}: {}", file.display(), text(&output.stderr));
    }
}
