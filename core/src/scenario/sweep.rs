//! The `[sweep]` table: which keys of a scenario vary, over which values.
//!
//! A swept key is written as its dotted path from the scenario's root,
//! with the list of values it takes:
//!
//! ```toml
//! [sweep]
//! simulator.config.time_points = [2, 4, 8, 16, 32]   # one axis of the grid
//! models.pca.hyperparameters.n_components = [4, 6]   # another axis
//!
//! [[sweep.zip]]                                      # one axis whose lists
//! simulator.config.units_per_condition = [200, 50]   # advance together
//! simulator.config.effect_size = [1.0, 2.0]
//! ```
//!
//! Each key directly under `[sweep]` is an axis; each `[[sweep.zip]]` table
//! is one axis whose lists, all of one length, are zipped. The points of
//! the sweep are the cartesian product of the axes. Paths that can be swept:
//! `simulator.config.KEY`, `split.held_out_perturbations`,
//! `split.held_out_time_points` and `models.LABEL.hyperparameters.KEY`
//! (KEY may be nested). This module checks paths as far as the scenario
//! knows them (root, model label, split field); whether KEY exists is for
//! the simulator or the model to say when the run is planned, with the
//! error placed on the swept key's line.

use super::{ModelSpec, ScenarioError, line_column};
use crate::config::nearest;
use std::path::Path;

/// What a swept key sets.
#[derive(Clone, Debug, PartialEq)]
pub enum SweptTarget {
    /// A key of `[simulator.config]`, as its path of nested keys.
    Simulator(Vec<String>),
    /// A field of `[split]`.
    Split(String),
    /// A hyperparameter of the model labelled `label`, as a path of nested keys.
    Model { label: String, key: Vec<String> },
}

impl SweptTarget {
    /// Whether the key changes the simulated data or the split, and so
    /// every model's jobs, rather than one model's.
    pub fn is_data(&self) -> bool {
        !matches!(self, Self::Model { .. })
    }
}

/// One swept key with its values.
#[derive(Clone, Debug, PartialEq)]
pub struct SweptKey {
    /// The dotted path as written, such as `simulator.config.time_points`;
    /// results.csv names its column with it.
    pub path: String,
    pub target: SweptTarget,
    pub values: Vec<toml::Value>,
    /// Byte offset of the key's line in the scenario file, for errors.
    pub offset: usize,
}

/// The sweep of a scenario; empty when it has no `[sweep]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sweep {
    /// In the order the file writes them: grid keys, then zipped keys.
    pub keys: Vec<SweptKey>,
    /// The axes of the grid, each the indices of the keys that advance
    /// together (one key for a grid axis, several for a zip).
    pub axes: Vec<Vec<usize>>,
}

const ROOTS: [&str; 4] = ["simulator", "split", "models", "zip"];
const SPLIT_FIELDS: [&str; 2] = ["held_out_perturbations", "held_out_time_points"];

/// Reads the `[sweep]` table, whose text starts at byte `start` of `source`.
pub(super) fn parse(table: &toml::Table, start: usize, source: &str, models: &[ModelSpec], file: &Path) -> Result<Sweep, ScenarioError> {
    let at = |offset: usize, message: String, hint: Option<&str>| {
        let (line, column) = line_column(source, offset);
        ScenarioError::At {
            file: file.to_path_buf(),
            line,
            column,
            message: format!("in [sweep]: {message}"),
            hint: hint.map(str::to_string),
        }
    };
    let mut sweep = Sweep::default();
    let mut grid = Vec::new();
    flatten("", table, &mut grid, true);
    grid.sort_by_key(|(path, _)| find_path(source, start, path));
    for (path, value) in grid {
        let index = sweep.keys.len();
        sweep.keys.push(swept_key(path, value, start, source, models, &at)?);
        sweep.axes.push(vec![index]);
    }
    if let Some(zips) = table.get("zip") {
        let offset = find_path(source, start, "zip");
        let tables = zips
            .as_array()
            .filter(|a| a.iter().all(toml::Value::is_table))
            .ok_or_else(|| at(offset, "`zip` must be written as `[[sweep.zip]]` tables of equally long lists".into(), None))?;
        for zip in tables.iter().filter_map(toml::Value::as_table) {
            let mut keys = Vec::new();
            flatten("", zip, &mut keys, false);
            if keys.is_empty() {
                return Err(at(offset, "a `[[sweep.zip]]` table sweeps no key".into(), None));
            }
            keys.sort_by_key(|(path, _)| find_path(source, start, path));
            let first = sweep.keys.len();
            for (path, value) in keys {
                sweep.keys.push(swept_key(path, value, start, source, models, &at)?);
            }
            let zipped = &sweep.keys[first..];
            if let Some(k) = zipped.iter().find(|k| k.values.len() != zipped[0].values.len()) {
                let lengths: Vec<String> = zipped.iter().map(|k| format!("`{}` has {}", k.path, k.values.len())).collect();
                return Err(at(k.offset, format!("zipped lists must be equally long: {}", lengths.join(", ")), None));
            }
            sweep.axes.push((first..sweep.keys.len()).collect());
        }
    }
    for (i, key) in sweep.keys.iter().enumerate() {
        if sweep.keys[..i].iter().any(|k| k.target == key.target) {
            return Err(at(key.offset, format!("`{}` is swept twice: give each key one list", key.path), None));
        }
    }
    Ok(sweep)
}

/// Collects (dotted path, value) for every non-table value below `table`;
/// at the top level (`grid`), `zip` holds the zipped tables and is skipped.
fn flatten(prefix: &str, table: &toml::Table, out: &mut Vec<(String, toml::Value)>, grid: bool) {
    for (key, value) in table {
        if grid && prefix.is_empty() && key == "zip" {
            continue;
        }
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Table(inner) => flatten(&path, inner, out, false),
            other => out.push((path, other.clone())),
        }
    }
}

fn swept_key(
    path: String,
    value: toml::Value,
    start: usize,
    source: &str,
    models: &[ModelSpec],
    at: &impl Fn(usize, String, Option<&str>) -> ScenarioError,
) -> Result<SweptKey, ScenarioError> {
    let offset = find_path(source, start, &path);
    let segments: Vec<&str> = path.split('.').collect();
    let expect = |position: usize, expected: &str| -> Result<(), ScenarioError> {
        match segments.get(position) {
            Some(s) if *s == expected => Ok(()),
            Some(s) => Err(at(offset, format!("`{path}`: unknown key `{s}`, expected `{expected}`"), Some(expected))),
            None => Err(at(offset, format!("`{path}` names a table: add `.{expected}.KEY`"), None)),
        }
    };
    let rest = |from: usize| -> Result<Vec<String>, ScenarioError> {
        if segments.len() <= from {
            return Err(at(offset, format!("`{path}` names a table, not a key: add `.KEY`"), None));
        }
        Ok(segments[from..].iter().map(|s| s.to_string()).collect())
    };
    let target = match segments[0] {
        "simulator" => {
            expect(1, "config")?;
            SweptTarget::Simulator(rest(2)?)
        }
        "split" => {
            let field = segments.get(1).copied().unwrap_or_default();
            if !SPLIT_FIELDS.contains(&field) || segments.len() != 2 {
                let hint = nearest(field, SPLIT_FIELDS);
                return Err(at(
                    offset,
                    format!("`{path}`: only `split.held_out_perturbations` and `split.held_out_time_points` can be swept"),
                    hint,
                ));
            }
            SweptTarget::Split(field.to_string())
        }
        "models" => {
            let label = segments.get(1).copied().unwrap_or_default();
            if !models.iter().any(|m| m.label == label) {
                let labels: Vec<&str> = models.iter().map(|m| m.label.as_str()).collect();
                let hint = nearest(label, labels.iter().copied());
                let message = format!("`{path}`: no model is labelled `{label}` (labels: {})", labels.join(", "));
                return Err(at(offset, message, hint));
            }
            expect(2, "hyperparameters")?;
            SweptTarget::Model { label: label.to_string(), key: rest(3)? }
        }
        root => {
            let message =
                format!("cannot sweep `{path}`: a swept path starts with `simulator.config.`, `split.` or `models.LABEL.hyperparameters.`");
            return Err(at(offset, message, nearest(root, ROOTS)));
        }
    };
    let values = match value {
        toml::Value::Array(values) if !values.is_empty() => values,
        toml::Value::Array(_) => return Err(at(offset, format!("`{path}` has no values: give at least one"), None)),
        other => {
            let message = format!("`{path}` = {other}: a swept key takes a list of values, such as `{path} = [{other}]`");
            return Err(at(offset, message, None));
        }
    };
    Ok(SweptKey { path, target, values, offset })
}

/// Byte offset of the line, at or after `start`, that assigns `path`:
/// written whole (`simulator.config.time_points = ...`, quotes allowed) or
/// as its last keys under a table header (`time_points = ...`). Falls back
/// to `start`.
fn find_path(source: &str, start: usize, path: &str) -> usize {
    let mut offset = source[..start.min(source.len())].rfind('\n').map_or(0, |nl| nl + 1);
    let mut suffix_match = None;
    for line in source[offset..].split_inclusive('\n') {
        let key: String =
            line.split('=').next().unwrap_or_default().chars().filter(|c| !c.is_whitespace() && *c != '"' && *c != '\'').collect();
        let is_assignment = line.contains('=') && !line.trim_start().starts_with(['[', '#']);
        if is_assignment && key == path {
            return offset;
        }
        if is_assignment && suffix_match.is_none() && path.ends_with(&format!(".{key}")) {
            suffix_match = Some(offset);
        }
        offset += line.len();
    }
    suffix_match.unwrap_or(start)
}

/// The text of a swept value in results and labels: a string as itself,
/// anything else as TOML (`8`, `0.5`, `["P0+P1"]`).
pub fn value_text(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A short name for a swept path in labels and plots: the key within its
/// table (`time_points`, `held_out_perturbations`), prefixed by the model
/// label for a hyperparameter (`pca.n_components`).
fn short_name(path: &str) -> String {
    if let Some(key) = path.strip_prefix("simulator.config.").or_else(|| path.strip_prefix("split.")) {
        return key.to_string();
    }
    match path.strip_prefix("models.") {
        Some(rest) => rest.replacen(".hyperparameters.", ".", 1),
        None => path.to_string(),
    }
}

/// Short names of `paths` (see [`short_name`]), or the full paths where
/// two short names would be equal.
pub fn short_names(paths: &[String]) -> Vec<String> {
    let short: Vec<String> = paths.iter().map(|p| short_name(p)).collect();
    let distinct = short.iter().enumerate().all(|(i, s)| !short[..i].contains(s));
    if distinct { short } else { paths.to_vec() }
}
