//! Scenario files: what to simulate, which models and metrics, which seeds
//! and split.
//!
//! A scenario is a question ("does MCC survive instantaneous effects?")
//! written as TOML. Parsing is strict: an unknown key or a wrong type is an
//! error naming the file, the line, the key and the nearest valid key, so a
//! typo never silently falls back to a default. Keys inside
//! `[simulator.config]` and `[models.hyperparameters]` belong to the
//! simulator and the model; they are checked by their owners and located
//! here, see [`Scenario::locate`]. A `[sweep]` (module `sweep`) varies any
//! of those keys; module `jobs` expands it into the scenario's jobs.

mod jobs;
mod schema;
mod sweep;

pub use jobs::{DataPoint, Job, JobId, Point, Shard};
pub use schema::{ModelSpec, SimulatorSpec, SplitLabels};
pub use sweep::{Sweep, SweptKey, SweptTarget, short_names, value_text};

use crate::config::ConfigError;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {file}: {reason}")]
    Read { file: PathBuf, reason: String },
    /// A problem at a known place in the file.
    #[error("{file}:{line}:{column}: {message}{}", hint.as_ref().map(|h| format!("; did you mean `{h}`?")).unwrap_or_default())]
    At { file: PathBuf, line: usize, column: usize, message: String, hint: Option<String> },
    /// A problem with the scenario as a whole.
    #[error("{file}: {message}")]
    Invalid { file: PathBuf, message: String },
}

/// A parsed scenario with the text it came from, for error locations.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub path: PathBuf,
    source: String,
    pub name: String,
    pub description: String,
    pub seeds: Vec<u64>,
    pub metrics: Vec<String>,
    pub plugin_dir: Option<PathBuf>,
    /// Threads each model may use; defaults to the machine's cores.
    pub threads: Option<u32>,
    /// Where models compute (`cpu` by default); see [`crate::model::ModelEnv::device`].
    pub device: String,
    pub simulator: SimulatorSpec,
    pub split: SplitLabels,
    pub models: Vec<ModelSpec>,
    pub sweep: Sweep,
    data_points: Vec<DataPoint>,
    jobs: Vec<Job>,
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let source = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::Read { file: path.to_path_buf(), reason: e.to_string() })?;
        Self::parse(path, source)
    }

    /// Parses scenario text; `path` is used for names and messages only.
    pub fn parse(path: &Path, source: String) -> Result<Self, ScenarioError> {
        let file: schema::ScenarioFile = toml::from_str(&source).map_err(|e| {
            let config = ConfigError::from_serde_message(e.message());
            let (line, column) = e.span().map_or((1, 1), |s| line_column(&source, s.start));
            ScenarioError::At {
                file: path.to_path_buf(),
                line,
                column,
                message: config.message.clone(),
                hint: config.nearest_key().map(str::to_string),
            }
        })?;
        let mut scenario = file.into_scenario(path, source)?;
        scenario.check_models()?;
        (scenario.data_points, scenario.jobs) = jobs::enumerate(&scenario)?;
        Ok(scenario)
    }

    fn invalid(&self, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid { file: self.path.clone(), message: message.into() }
    }

    fn check_models(&self) -> Result<(), ScenarioError> {
        if self.seeds.is_empty() {
            return Err(self.invalid("`seeds` is empty: give at least one seed"));
        }
        if self.models.is_empty() {
            return Err(self.invalid("no `[[models]]`: name at least one model plugin"));
        }
        let mut labels: Vec<&str> = self.models.iter().map(|m| m.label.as_str()).collect();
        labels.sort_unstable();
        if let Some(w) = labels.windows(2).find(|w| w[0] == w[1]) {
            return Err(self.invalid(format!("two models are labelled `{}`: give each a distinct `label`", w[0])));
        }
        Ok(())
    }

    /// An error at `key` inside the table that starts at byte `table_start`
    /// (the key's line if found there, else the table's), with the nearest
    /// valid key when the problem is an unknown key.
    pub fn locate(&self, table_start: usize, section: &str, error: &ConfigError) -> ScenarioError {
        let offset = error
            .unknown_key
            .as_deref()
            .and_then(|key| find_key(&self.source, table_start, key))
            .unwrap_or(table_start);
        let (line, column) = line_column(&self.source, offset);
        ScenarioError::At {
            file: self.path.clone(),
            line,
            column,
            message: format!("in {section}: {}", error.message),
            hint: error.nearest_key().map(str::to_string),
        }
    }

    /// An error at the line of swept key `key` (an index into the sweep's keys).
    pub fn at_swept_key(&self, key: usize, message: String, hint: Option<&str>) -> ScenarioError {
        let (line, column) = line_column(&self.source, self.sweep.keys[key].offset);
        ScenarioError::At { file: self.path.clone(), line, column, message, hint: hint.map(str::to_string) }
    }

    /// An error about a named value of the scenario (a simulator, model or
    /// metric name), placed on the line where `value` is first written.
    pub fn at_value(&self, value: &str, message: String, hint: Option<&str>) -> ScenarioError {
        let quoted = format!("\"{value}\"");
        let offset = self.source.find(&quoted).unwrap_or(0);
        let (line, column) = line_column(&self.source, offset);
        ScenarioError::At { file: self.path.clone(), line, column, message, hint: hint.map(str::to_string) }
    }
}

/// 1-based line and column of a byte offset.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rfind('\n').map_or(before.len(), |nl| before.len() - nl - 1) + 1;
    (line, column)
}

/// Byte offset of the first line at or after `start` that assigns `key`.
fn find_key(source: &str, start: usize, key: &str) -> Option<usize> {
    let mut offset = source[..start.min(source.len())].rfind('\n').map_or(0, |nl| nl + 1);
    for line in source[offset..].split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(offset + (line.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests;
