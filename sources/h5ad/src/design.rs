//! The experimental design read from obs: which cells are kept, and each
//! kept cell's perturbation, time point and replicate.
//!
//! Control definition: a cell is a control when its perturbation label is
//! one of `control`. Every other label is a perturbation whose targets are
//! the label split at `combination_separator` (unless it is one of
//! `single_labels`); target names are sorted so ids do not depend on the
//! order cells come in. Labels the scenario names must have cells, so a
//! misspelt label is an error, not an empty condition.

use crate::{H5adConfig, SourceError};
use citebench_anndata::{AnnData, Column};
use citebench_core::data::Perturbation;
use std::collections::{BTreeMap, BTreeSet};

/// One kept cell: its row in the file and its condition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cell {
    pub row: usize,
    /// Index into [`Design::perturbations`].
    pub perturbation: u32,
    pub time_point: u32,
    pub replicate: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// Kept cells in file order.
    pub cells: Vec<Cell>,
    pub perturbations: Vec<Perturbation>,
    pub target_names: Vec<String>,
    pub time_values: Vec<f32>,
}

impl Design {
    pub fn read(data: &AnnData, config: &H5adConfig) -> Result<Self, SourceError> {
        let labels = required_labels(data, &config.perturbation, "perturbation")?;
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for l in &labels {
            *counts.entry(l.as_str()).or_default() += 1;
        }
        let named = [("control", &config.control), ("exclude", &config.exclude), ("single_labels", &config.single_labels)];
        let listed = config.perturbations.iter().map(|p| ("perturbations", p));
        for (key, list) in named.into_iter().chain(listed) {
            if let Some(label) = list.iter().find(|l| !counts.contains_key(l.as_str())) {
                return Err(SourceError::no_cells(data, &config.perturbation, label, key, counts.keys()));
            }
        }
        let is_control = |l: &str| config.control.iter().any(|c| c == l);
        let keep_label = |l: &str| {
            !config.exclude.iter().any(|e| e == l) && (is_control(l) || config.perturbations.as_ref().is_none_or(|p| p.iter().any(|k| k == l)))
        };
        let times = match &config.time_point {
            Some(column) => time_points(data, column)?,
            None => vec![0.0; labels.len()],
        };
        let replicates = match &config.replicate {
            Some(column) => required_labels(data, column, "replicate")?,
            None => vec![String::new(); labels.len()],
        };

        // Filters, then the per-label cap, then min_cells.
        let mut taken: BTreeMap<&str, usize> = BTreeMap::new();
        let mut rows = Vec::new();
        for (row, label) in labels.iter().enumerate() {
            if !keep_label(label) {
                continue;
            }
            let n = taken.entry(label.as_str()).or_default();
            if config.max_cells_per_label.is_none_or(|max| *n < max) {
                *n += 1;
                rows.push(row);
            }
        }
        let mut dropped: Vec<&str> = Vec::new();
        for (&label, &n) in &taken {
            if n >= config.min_cells {
                continue;
            }
            if is_control(label) {
                return Err(SourceError::data(data, format!(
                    "obs column `{}`: control label `{label}` has {n} cells, fewer than min_cells = {}",
                    config.perturbation, config.min_cells
                )));
            }
            dropped.push(label);
        }
        rows.retain(|&r| !dropped.contains(&labels[r].as_str()));

        let separator = config.combination_separator.as_deref();
        let targets_of = |label: &str| -> Vec<String> {
            match separator {
                Some(sep) if !config.single_labels.iter().any(|s| s == label) => label.split(sep).map(str::to_string).collect(),
                _ => vec![label.to_string()],
            }
        };
        let kept_labels: BTreeSet<&str> = rows.iter().map(|&r| labels[r].as_str()).collect();
        let target_names: Vec<String> =
            kept_labels.iter().filter(|l| !is_control(l)).flat_map(|l| targets_of(l)).collect::<BTreeSet<_>>().into_iter().collect();
        if let Some(label) = kept_labels.iter().find(|l| !is_control(l) && targets_of(l).iter().any(String::is_empty)) {
            return Err(SourceError::data(data, format!(
                "obs column `{}`: label `{label}` has an empty target name around the separator `{}`",
                config.perturbation,
                separator.unwrap_or_default()
            )));
        }
        let perturbation_of = |label: &str| -> Perturbation {
            if is_control(label) {
                return Perturbation::control();
            }
            Perturbation::new(targets_of(label).iter().map(|t| target_names.binary_search(t).expect("every target is named") as u32))
        };
        let label_perturbation: BTreeMap<&str, Perturbation> = kept_labels.iter().map(|&l| (l, perturbation_of(l))).collect();
        let perturbations: Vec<Perturbation> = label_perturbation.values().cloned().collect::<BTreeSet<_>>().into_iter().collect();

        let mut time_values: Vec<f32> = rows.iter().map(|&r| times[r]).collect();
        time_values.sort_by(f32::total_cmp);
        time_values.dedup();
        let replicate_names: BTreeSet<&str> = rows.iter().map(|&r| replicates[r].as_str()).collect();
        let index_of = |set: &BTreeSet<&str>, v: &str| set.iter().position(|s| *s == v).expect("present") as u32;
        let cells = rows
            .iter()
            .map(|&row| Cell {
                row,
                perturbation: perturbations.binary_search(&label_perturbation[labels[row].as_str()]).expect("present") as u32,
                time_point: time_values.binary_search_by(|t| t.total_cmp(&times[row])).expect("present") as u32,
                replicate: index_of(&replicate_names, &replicates[row]),
            })
            .collect();
        Ok(Self { cells, perturbations, target_names, time_values })
    }
}

/// A column's value for every cell, as text; a missing value is an error.
fn required_labels(data: &AnnData, column: &str, key: &str) -> Result<Vec<String>, SourceError> {
    let values = data.obs_column(column).map_err(|e| SourceError::column(e, key))?.labels();
    match values.iter().position(Option::is_none) {
        Some(row) => Err(SourceError::data(data, format!(
            "obs column `{column}` (`{key}`): cell {row} has no value; expected a label for every cell"
        ))),
        None => Ok(values.into_iter().map(Option::unwrap_or_default).collect()),
    }
}

/// Time points as numbers: a numeric column, or labels that read as numbers.
fn time_points(data: &AnnData, column: &str) -> Result<Vec<f32>, SourceError> {
    let parsed = match data.obs_column(column).map_err(|e| SourceError::column(e, "time_point"))? {
        Column::Numbers(values) => values.into_iter().map(|v| v.map(|v| v as f32).ok_or_else(String::new)).collect::<Vec<_>>(),
        other => other.labels().into_iter().map(|l| {
            let l = l.unwrap_or_default();
            l.trim().parse::<f32>().ok().filter(|v| v.is_finite()).ok_or(l)
        }).collect(),
    };
    parsed
        .into_iter()
        .enumerate()
        .map(|(row, v)| {
            v.map_err(|text| {
                let found = if text.is_empty() { "no value".to_string() } else { format!("`{text}`") };
                SourceError::data(data, format!("obs column `{column}` (`time_point`): cell {row} has {found}; expected a number (hours, days, steps)"))
            })
        })
        .collect()
}
