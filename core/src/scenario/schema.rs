//! The TOML schema of a scenario file, as serde types.

use super::{Scenario, ScenarioError, Sweep};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScenarioFile {
    name: Option<String>,
    #[serde(default)]
    description: String,
    seeds: Vec<u64>,
    metrics: Vec<String>,
    plugin_dir: Option<PathBuf>,
    threads: Option<u32>,
    #[serde(default = "cpu")]
    device: String,
    simulator: SimulatorSection,
    #[serde(default)]
    split: SplitLabels,
    #[serde(default)]
    models: Vec<ModelSection>,
    sweep: Option<Spanned<toml::Table>>,
}

fn cpu() -> String {
    "cpu".to_string()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimulatorSection {
    name: Spanned<String>,
    config: Option<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSection {
    plugin: Spanned<String>,
    label: Option<String>,
    hyperparameters: Option<Spanned<toml::Table>>,
}

/// The simulator a scenario names and its configuration table.
#[derive(Debug, Clone)]
pub struct SimulatorSpec {
    pub name: String,
    pub config: toml::Table,
    /// Byte offset of the configuration in the file, for error locations.
    pub config_start: usize,
}

/// Held-out conditions, as written: perturbation labels such as `P3` or
/// `P1+P2` are resolved against the simulated target names later.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitLabels {
    #[serde(default)]
    pub held_out_perturbations: Vec<String>,
    #[serde(default)]
    pub held_out_time_points: Vec<u32>,
}

/// One model of a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    pub plugin: String,
    /// The name results use; defaults to the plugin name. Distinct labels
    /// let one plugin appear twice with different hyperparameters.
    pub label: String,
    /// Hyperparameters as TOML text, the form they cross the plugin ABI in.
    pub hyperparameters: String,
    /// Byte offset of the hyperparameters (or of the plugin name), for errors.
    pub start: usize,
}

impl ScenarioFile {
    pub(super) fn into_scenario(self, path: &Path, source: String) -> Result<Scenario, ScenarioError> {
        let name = self.name.unwrap_or_else(|| path.file_stem().map_or("scenario".into(), |s| s.to_string_lossy().into_owned()));
        let (config, config_start) = match self.simulator.config {
            Some(c) => (c.get_ref().clone(), c.span().start),
            None => (toml::Table::new(), self.simulator.name.span().start),
        };
        let mut models = Vec::with_capacity(self.models.len());
        for m in self.models {
            let (hyperparameters, start) = match m.hyperparameters {
                Some(h) => (h.get_ref().clone(), h.span().start),
                None => (toml::Table::new(), m.plugin.span().start),
            };
            let text = toml::to_string(&hyperparameters).map_err(|e| ScenarioError::Invalid {
                file: path.to_path_buf(),
                message: format!("hyperparameters of `{}` cannot be written back as TOML: {e}", m.plugin.get_ref()),
            })?;
            let plugin = m.plugin.into_inner();
            models.push(ModelSpec { label: m.label.unwrap_or_else(|| plugin.clone()), plugin, hyperparameters: text, start });
        }
        let sweep = match &self.sweep {
            Some(table) => super::sweep::parse(table.get_ref(), table.span().start, &source, &models, path)?,
            None => Sweep::default(),
        };
        Ok(Scenario {
            path: path.to_path_buf(),
            source,
            name,
            description: self.description,
            seeds: self.seeds,
            metrics: self.metrics,
            plugin_dir: self.plugin_dir,
            threads: self.threads,
            device: self.device,
            simulator: SimulatorSpec { name: self.simulator.name.into_inner(), config, config_start },
            split: self.split,
            models,
            sweep,
            data_points: Vec::new(),
            jobs: Vec::new(),
        })
    }
}
