//! The `[simulator.config]` of a scenario whose data come from a file:
//! which file, which obs columns say what, and how to prepare the counts.

use citebench_core::config::{ConfigError, from_table};
use serde::Deserialize;
use std::path::PathBuf;

/// Every key, with its default; unknown keys are errors.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct H5adConfig {
    /// The `.h5ad` file: absolute, or relative to the scenario file.
    pub path: PathBuf,
    /// The obs column naming each cell's perturbation.
    pub perturbation: String,
    /// The labels of that column that mean "control" (non-targeting
    /// guides, injected controls); at least one.
    pub control: Vec<String>,
    /// The obs column of time points (numbers, or labels that read as
    /// numbers); without it every cell is at one time point, 0.
    #[serde(default)]
    pub time_point: Option<String>,
    /// The obs column of replicates (any labels); without it, one replicate.
    #[serde(default)]
    pub replicate: Option<String>,
    /// How a combination is written in a label (`+` in `A+B`); without it
    /// every label is a single target.
    #[serde(default)]
    pub combination_separator: Option<String>,
    /// Labels that contain the separator yet name one target (a mutant
    /// line such as `noto-mut` when the separator is `-`).
    #[serde(default)]
    pub single_labels: Vec<String>,
    /// Keep only these perturbation labels (controls are always kept).
    #[serde(default)]
    pub perturbations: Option<Vec<String>>,
    /// Drop the cells of these labels.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// A perturbation label with fewer cells than this (after the filters
    /// above) is dropped; a control label with fewer is an error.
    #[serde(default = "one")]
    pub min_cells: usize,
    /// Keep at most this many cells of each label, the first in file
    /// order: a deterministic subset for CI-sized runs.
    #[serde(default)]
    pub max_cells_per_label: Option<usize>,
    /// Scale each cell's counts to `target_sum` (scanpy's `normalize_total`).
    #[serde(default = "yes")]
    pub normalise_total: bool,
    #[serde(default = "ten_thousand")]
    pub target_sum: f64,
    /// Then ln(1 + x) (scanpy's `log1p`).
    #[serde(default = "yes")]
    pub log1p: bool,
    /// Keep this many highly variable genes (Seurat flavour, on all kept
    /// cells); without it every gene is kept.
    #[serde(default)]
    pub highly_variable_genes: Option<usize>,
    /// Mean bins of the Seurat flavour (scanpy's `n_bins`).
    #[serde(default = "twenty")]
    pub hvg_bins: usize,
    /// Average the prepared cells of each (perturbation, time point,
    /// replicate) into one profile.
    #[serde(default)]
    pub pseudobulk: bool,
    /// What reading may hold in memory: the prepared output, plus X's
    /// row pointers, or X itself when it is stored column-wise. Larger is
    /// refused before reading.
    #[serde(default = "four")]
    pub max_memory_gib: f64,
}

fn one() -> usize {
    1
}
fn yes() -> bool {
    true
}
fn ten_thousand() -> f64 {
    1e4
}
fn twenty() -> usize {
    20
}
fn four() -> f64 {
    4.0
}

impl H5adConfig {
    pub fn from_table(table: &toml::Table) -> Result<Self, ConfigError> {
        let config: Self = from_table(table)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.control.is_empty() {
            return Err(ConfigError::invalid("`control` is empty: name the label(s) of control cells in the perturbation column"));
        }
        if self.highly_variable_genes.is_some() && !self.log1p {
            return Err(ConfigError::invalid(
                "`highly_variable_genes` uses the Seurat flavour, defined on log1p data: set `log1p = true` or drop `highly_variable_genes`",
            ));
        }
        if self.highly_variable_genes == Some(0) || self.hvg_bins == 0 {
            return Err(ConfigError::invalid("`highly_variable_genes` and `hvg_bins` must be at least 1"));
        }
        if !(self.target_sum > 0.0 && self.target_sum.is_finite()) {
            return Err(ConfigError::invalid(format!("`target_sum` is {}; expected a positive number", self.target_sum)));
        }
        if self.max_memory_gib.is_nan() || self.max_memory_gib <= 0.0 {
            return Err(ConfigError::invalid(format!("`max_memory_gib` is {}; expected a positive number", self.max_memory_gib)));
        }
        if self.combination_separator.as_deref() == Some("") {
            return Err(ConfigError::invalid("`combination_separator` is empty; give the text between targets, such as \"+\""));
        }
        Ok(())
    }

    pub fn max_bytes(&self) -> usize {
        (self.max_memory_gib * (1u64 << 30) as f64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<H5adConfig, ConfigError> {
        H5adConfig::from_table(&toml::from_str(text).unwrap())
    }

    #[test]
    fn defaults_and_strict_keys() {
        let c = parse("path = \"a.h5ad\"\nperturbation = \"target\"\ncontrol = [\"NT\"]").unwrap();
        assert_eq!((c.normalise_total, c.target_sum, c.log1p, c.min_cells, c.pseudobulk), (true, 1e4, true, 1, false));
        let err = parse("path = \"a.h5ad\"\nperturbation = \"target\"\ncontrol = [\"NT\"]\nreplicates = \"rep\"").unwrap_err();
        assert_eq!(err.nearest_key(), Some("replicate"));
        let err = parse("path = \"a.h5ad\"\nperturbation = \"target\"\ncontrol = [\"NT\"]\nlog1p = false\nhighly_variable_genes = 5").unwrap_err();
        assert!(err.message.contains("Seurat flavour"), "{}", err.message);
    }
}
