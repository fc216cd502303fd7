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
