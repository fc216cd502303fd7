use super::*;
use crate::config::from_table;

const GOOD: &str = r#"
seeds = [1, 2]
metrics = ["mcc"]

[simulator]
name = "latent-scm"

[simulator.config]
time_points = 4
dynamic_latents = 3

[split]
held_out_perturbations = ["P1+P2"]

[[models]]
plugin = "pca"
[models.hyperparameters]
n_components = 5

[[models]]
plugin = "control-mean"
"#;

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    Scenario::parse(Path::new("scenarios/test.toml"), text.to_string())
}

#[test]
fn a_good_scenario_parses() {
    let s = parse(GOOD).unwrap();
    assert_eq!(s.name, "test");
    assert_eq!(s.seeds, vec![1, 2]);
    assert_eq!(s.simulator.config.get("time_points").and_then(|v| v.as_integer()), Some(4));
    assert_eq!(s.models[0].hyperparameters.trim(), "n_components = 5");
    assert_eq!(s.models[1].label, "control-mean");
    assert_eq!(s.split.held_out_perturbations, vec!["P1+P2"]);
}

#[test]
fn a_misspelt_top_level_key_names_file_line_and_nearest_key() {
    let text = GOOD.replace("metrics = [\"mcc\"]", "metrix = [\"mcc\"]");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("scenarios/test.toml:3:1: "), "{err}");
    assert!(err.contains("unknown field `metrix`"), "{err}");
    assert!(err.ends_with("did you mean `metrics`?"), "{err}");
}

#[test]
fn a_misspelt_key_in_a_section_is_found_too() {
    let text = GOOD.replace("held_out_perturbations", "held_out_perturbation");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("scenarios/test.toml:13:1: "), "{err}");
    assert!(err.ends_with("did you mean `held_out_perturbations`?"), "{err}");
}

#[test]
fn a_wrong_type_names_the_line() {
    let text = GOOD.replace("seeds = [1, 2]", "seeds = \"one\"");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.starts_with("scenarios/test.toml:2:"), "{err}");
    assert!(err.contains("invalid type"), "{err}");
}

#[derive(serde::Deserialize, Debug)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SimConfig {
    time_points: u32,
    dynamic_latents: u32,
}

#[test]
fn locate_places_a_simulator_config_error_on_its_line() {
    let text = GOOD.replace("dynamic_latents = 3", "dynamic_latent = 3");
    let s = parse(&text).unwrap();
    let error = from_table::<SimConfig>(&s.simulator.config).unwrap_err();
    let err = s.locate(s.simulator.config_start, "[simulator.config]", &error).to_string();
    assert!(err.starts_with("scenarios/test.toml:10:1: in [simulator.config]: unknown field `dynamic_latent`"), "{err}");
    assert!(err.ends_with("did you mean `dynamic_latents`?"), "{err}");
}

#[test]
fn duplicate_labels_and_empty_seeds_are_refused() {
    let text = GOOD.replace("plugin = \"control-mean\"", "plugin = \"pca\"");
    assert!(parse(&text).unwrap_err().to_string().contains("two models are labelled `pca`"));
    let text = GOOD.replace("seeds = [1, 2]", "seeds = []");
    assert!(parse(&text).unwrap_err().to_string().contains("`seeds` is empty"));
}

#[test]
fn at_value_points_at_the_quoted_value() {
    let s = parse(GOOD).unwrap();
    let err = s.at_value("control-mean", "no such plugin".into(), Some("control-means")).to_string();
    assert!(err.starts_with("scenarios/test.toml:21:10: no such plugin"), "{err}");
}
