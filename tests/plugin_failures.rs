//! The plugin boundary under failure: a panicking model, a plugin from
//! another ABI version, a plugin that is not there.

mod common;

use citebench_core::abi::ABI_VERSION;
use citebench_core::abi::host::{PluginError, PluginLibrary};
use common::{citebench, plugin_dir, read_results, text, write_scenario};

const SIMULATOR: &str = r#"
seeds = [4]
metrics = ["mcc", "ood_mse"]

[simulator]
name = "latent-scm"
[simulator.config]
time_points = 3
units_per_condition = 20

[split]
held_out_perturbations = ["P8"]
"#;

fn library_file(crate_name: &str) -> std::path::PathBuf {
    let file = format!("{}{}{}", std::env::consts::DLL_PREFIX, crate_name.replace('-', "_"), std::env::consts::DLL_SUFFIX);
    plugin_dir().join(file)
}

#[test]
fn a_panic_in_fit_is_an_error_row_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = format!(
        "{SIMULATOR}\n[[models]]\nplugin = \"test-panicking\"\n\n[[models]]\nplugin = \"control-mean\"\n\n[[models]]\nplugin = \"pca\"\n[models.hyperparameters]\nn_components = 6\n"
    );
    let path = write_scenario(dir.path(), "panics.toml", &scenario);
    let out = dir.path().join("out");
    let output = citebench(&["run", &path, "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let rows = read_results(&out.join("results.csv"));
    let panicked: Vec<_> = rows.iter().filter(|r| r["model"] == "test-panicking").collect();
    assert_eq!(panicked.len(), 1);
    assert_eq!(panicked[0]["status"], "error");
    assert!(panicked[0]["message"].contains("panicked in fit: panicked: deliberate panic in fit"), "{:?}", panicked[0]);
    // The models after it still ran and were scored.
    assert!(rows.iter().any(|r| r["model"] == "control-mean" && r["metric"] == "ood_mse" && r["status"] == "ok"));
    assert!(rows.iter().any(|r| r["model"] == "pca" && r["metric"] == "mcc" && r["status"] == "ok"));
    assert!(text(&output.stdout).contains("test-panicking error: model `test-panicking` panicked in fit"));
}

#[test]
fn a_plugin_of_another_abi_version_is_refused_naming_both_versions() {
    let path = library_file("citebench-model-test-abi-mismatch");
    let err = PluginLibrary::load(&path).err().expect("the mismatched plugin must be refused");
    assert!(matches!(err, PluginError::AbiVersion { found, expected, .. } if found == ABI_VERSION + 1 && expected == ABI_VERSION));
    let message = err.to_string();
    assert!(message.contains(&format!("ABI version {}", ABI_VERSION + 1)), "{message}");
    assert!(message.contains(&format!("expects ABI version {ABI_VERSION}")), "{message}");

    let output = citebench(&["plugins"]);
    assert!(output.status.success());
    let listing = text(&output.stdout);
    assert!(listing.contains("refused:") && listing.contains("test_abi_mismatch"), "{listing}");
    for name in ["control-mean", "additive", "pca"] {
        assert!(listing.contains(name), "{name} missing from {listing}");
    }
}

#[test]
fn a_missing_plugin_is_an_error_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = format!("{SIMULATOR}\n[[models]]\nplugin = \"control-mean\"\n\n[[models]]\nplugin = \"adittive\"\n");
    let path = write_scenario(dir.path(), "missing.toml", &scenario);
    let out = dir.path().join("out");
    let output = citebench(&["run", &path, "--out", out.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = text(&output.stderr);
    assert!(stderr.contains("missing.toml:18:"), "{stderr}");
    assert!(stderr.contains("no plugin named `adittive`"), "{stderr}");
    assert!(stderr.contains("did you mean `additive`?"), "{stderr}");
    assert!(!out.exists(), "nothing may be written before the scenario is valid");
}

#[test]
fn a_library_that_is_not_a_plugin_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libcitebench_model_fake.so");
    std::fs::write(&fake, b"not an ELF file").unwrap();
    let message = PluginLibrary::load(&fake).err().unwrap().to_string();
    assert!(message.starts_with(&format!("cannot load plugin {}", fake.display())), "{message}");
    // libloading's own text is just "dlopen failed"; the chain says why.
    assert!(message.len() > format!("cannot load plugin {}: dlopen failed", fake.display()).len(), "{message}");
}
