use super::*;
use crate::scenario::{Job, Shard};
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

const SWEPT: &str = r#"
seeds = [1, 2]
metrics = ["mcc"]

[simulator]
name = "latent-scm"
[simulator.config]
time_points = 4

[[models]]
plugin = "pca"
[models.hyperparameters]
n_components = 5

[[models]]
plugin = "control-mean"

[sweep]
simulator.config.time_points = [2, 8]
models.pca.hyperparameters.n_components = [3, 6]

[[sweep.zip]]
simulator.config.units_per_condition = [10, 20, 30]
split.held_out_time_points = [[], [1], [1]]
"#;

#[test]
fn a_sweep_is_a_grid_of_axes_and_zips() {
    let s = parse(SWEPT).unwrap();
    let paths: Vec<&str> = s.sweep.keys.iter().map(|k| k.path.as_str()).collect();
    assert_eq!(
        paths,
        ["simulator.config.time_points", "models.pca.hyperparameters.n_components", "simulator.config.units_per_condition", "split.held_out_time_points"]
    );
    assert_eq!(s.sweep.axes, vec![vec![0], vec![1], vec![2, 3]]);
    // Data points: time_points x the zip; n_components concerns pca alone.
    assert_eq!(s.data_points().len(), 2 * 3);
    let last = &s.data_points()[5];
    assert_eq!(last.config.get("time_points").and_then(|v| v.as_integer()), Some(8));
    assert_eq!(last.config.get("units_per_condition").and_then(|v| v.as_integer()), Some(30));
    assert_eq!(last.split.held_out_time_points, vec![1]);
    // Per data point and seed: pca twice (n_components 3, 6), control-mean once.
    assert_eq!(s.jobs().len(), 6 * 2 * 3);
    let first: Vec<String> = s.jobs()[..3].iter().map(|j| s.job_label(j)).collect();
    assert_eq!(
        first,
        [
            "seed 1 · pca · time_points=2 pca.n_components=3 units_per_condition=10 held_out_time_points=[]",
            "seed 1 · pca · time_points=2 pca.n_components=6 units_per_condition=10 held_out_time_points=[]",
            "seed 1 · control-mean · time_points=2 units_per_condition=10 held_out_time_points=[]",
        ]
    );
    assert_eq!(s.jobs()[1].spec.hyperparameters.trim(), "n_components = 6");
    assert!(s.jobs().iter().enumerate().all(|(i, j)| j.index == i));
}

#[test]
fn job_ids_hash_the_resolved_configuration_only() {
    let swept = parse(SWEPT).unwrap();
    // The same job written without a sweep has the same id.
    let plain = parse(
        &SWEPT[..SWEPT.find("[sweep]").unwrap()]
            .replace("time_points = 4", "time_points = 8\nunits_per_condition = 30")
            .replace("n_components = 5", "n_components = 6")
            .replace("seeds = [1, 2]", "seeds = [2]")
            .replace("[[models]]\nplugin = \"pca\"", "[split]\nheld_out_time_points = [1]\n\n[[models]]\nplugin = \"pca\""),
    )
    .unwrap();
    let pca = &plain.jobs()[0];
    let twin = (swept.jobs().iter()).find(|j| j.seed == 2 && j.data == 5 && j.spec.label == "pca" && j.spec.hyperparameters.contains('6'));
    assert_eq!(twin.map(|j| j.id), Some(pca.id), "{}", swept.job_label(pca));
    // Ids never change across versions: results.csv files rely on them.
    assert_eq!(parse(GOOD).unwrap().jobs()[0].id.to_string(), "6de9eeb691abb912");
}

#[test]
fn repeated_seeds_or_values_are_refused() {
    let err = parse(&SWEPT.replace("seeds = [1, 2]", "seeds = [1, 1]")).unwrap_err().to_string();
    assert!(err.contains("two jobs would run the same configuration") && err.contains("a seed or a swept value is repeated"), "{err}");
    let err = parse(&SWEPT.replace("[2, 8]", "[8, 8]")).unwrap_err().to_string();
    assert!(err.contains("two jobs would run the same configuration"), "{err}");
}

fn sweep_error(from: &str, to: &str) -> String {
    assert!(SWEPT.contains(from), "{from}");
    parse(&SWEPT.replace(from, to)).unwrap_err().to_string()
}

#[test]
fn a_bad_swept_path_names_its_line_and_the_nearest_valid_key() {
    let err = sweep_error("simulator.config.time_points = [2, 8]", "simulatr.config.time_points = [2, 8]");
    assert!(err.starts_with("scenarios/test.toml:19:1: in [sweep]: cannot sweep `simulatr.config.time_points`"), "{err}");
    assert!(err.ends_with("did you mean `simulator`?"), "{err}");
    let err = sweep_error("simulator.config.time_points", "simulator.confg.time_points");
    assert!(err.starts_with("scenarios/test.toml:19:1: in [sweep]: `simulator.confg.time_points`: unknown key `confg`"), "{err}");
    assert!(err.ends_with("did you mean `config`?"), "{err}");
    let err = sweep_error("models.pca.hyperparameters", "models.pcaa.hyperparameters");
    assert!(err.starts_with("scenarios/test.toml:20:1: in [sweep]: `models.pcaa.hyperparameters.n_components`: no model is labelled `pcaa`"), "{err}");
    assert!(err.ends_with("did you mean `pca`?"), "{err}");
    let err = sweep_error("split.held_out_time_points", "split.held_out_time_point");
    assert!(err.starts_with("scenarios/test.toml:24:1: "), "{err}");
    assert!(err.ends_with("did you mean `held_out_time_points`?"), "{err}");
}

#[test]
fn a_bad_swept_value_names_its_line() {
    let err = sweep_error("[2, 8]", "8");
    assert!(err.starts_with("scenarios/test.toml:19:1: in [sweep]: `simulator.config.time_points` = 8: a swept key takes a list"), "{err}");
    let err = sweep_error("[[], [1], [1]]", "[[], [1]]");
    assert!(err.starts_with("scenarios/test.toml:2"), "{err}");
    assert!(err.contains("zipped lists must be equally long: `simulator.config.units_per_condition` has 3, `split.held_out_time_points` has 2"), "{err}");
    let err = sweep_error("[[], [1], [1]]", "[[], [1], [\"one\"]]");
    assert!(err.contains("`split.held_out_time_points`: each value must be a list of time point indices"), "{err}");
    let err = sweep_error("split.held_out_time_points = [[], [1], [1]]", "simulator.config.time_points = [1, 2, 3]");
    assert!(err.contains("`simulator.config.time_points` is swept twice"), "{err}");
}

#[test]
fn shards_partition_the_jobs_evenly_and_mix_the_models() {
    let s = parse(SWEPT).unwrap();
    let count = 5;
    let shards: Vec<Vec<&Job>> = (1..=count).map(|i| Shard { index: i, count }.select(s.jobs())).collect();
    let mut seen: Vec<usize> = shards.iter().flatten().map(|j| j.index).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..s.jobs().len()).collect::<Vec<_>>(), "every job in exactly one shard");
    let sizes: Vec<usize> = shards.iter().map(Vec::len).collect();
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
    assert!(shards.iter().all(|jobs| jobs.windows(2).all(|w| w[0].index < w[1].index)), "each shard in job order");
    assert!(shards.iter().all(|jobs| jobs.iter().any(|j| j.model == 0) && jobs.iter().any(|j| j.model == 1)));
    assert_eq!("2/5".parse::<Shard>(), Ok(Shard { index: 2, count: 5 }));
    for bad in ["0/5", "6/5", "2", "a/b"] {
        assert!(bad.parse::<Shard>().unwrap_err().contains("write INDEX/COUNT"), "{bad}");
    }
}

#[test]
fn a_number_in_a_swept_path_picks_an_array_element() {
    let violations = r#"
[[simulator.config.violations]]
kind = "batch_effects"
strength = 0.0

[[simulator.config.violations]]
kind = "observation_noise"
strength = 0.1
"#;
    let base = GOOD.replace("[split]", &format!("{violations}\n[split]"));
    let s = parse(&format!("{base}\n[sweep]\nsimulator.config.violations.1.strength = [0.5, 1.0]\n")).unwrap();
    let strengths: Vec<Vec<f64>> = (s.data_points().iter())
        .map(|p| {
            let list = p.config["violations"].as_array().unwrap();
            list.iter().map(|v| v["strength"].as_float().unwrap()).collect()
        })
        .collect();
    assert_eq!(strengths, vec![vec![0.0, 0.5], vec![0.0, 1.0]], "only element 1 changes");
    // A number at the end replaces a whole element.
    let s = parse(&format!("{base}\n[sweep]\nsimulator.config.violations.0 = [{{ kind = \"dense_targets\", strength = 0.2 }}]\n")).unwrap();
    let list = s.data_points()[0].config["violations"].as_array().unwrap().clone();
    assert_eq!((list[0]["kind"].as_str(), list[1]["kind"].as_str()), (Some("dense_targets"), Some("observation_noise")));

    let err = parse(&format!("{base}\n[sweep]\nsimulator.config.violations.2.strength = [0.5]\n")).unwrap_err().to_string();
    assert!(err.contains("`violations` is an array of 2 elements, numbered from 0: `2` is not one of them"), "{err}");
    let err = parse(&format!("{base}\n[sweep]\nsimulator.config.violations.strength = [0.5]\n")).unwrap_err().to_string();
    assert!(err.contains("`violations` is an array of 2 elements, numbered from 0: `strength` is not one of them"), "{err}");
    let err = parse(&format!("{base}\n[sweep]\nsimulator.config.time_points.0 = [1]\n")).unwrap_err().to_string();
    assert!(err.contains("`time_points` is a value, not a table or an array: `0` cannot be set inside it"), "{err}");
}
