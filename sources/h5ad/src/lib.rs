//! Real perturbation data as a citebench data source: an AnnData `.h5ad`
//! file read as it is, its obs columns mapped to perturbation, control,
//! time point and replicate by the scenario, its counts prepared the way
//! the field does (module `load`, steps in `citebench-prepare`).
//!
//! The source is a [`Simulator`] named `h5ad` (docs/decisions/0010): the
//! runner, splits, sweeps and metrics need nothing new. Real data have no
//! true latents, so its [`GroundTruth`] carries none and the runner skips
//! identifiability metrics with that reason. The data do not depend on the
//! seed: seeds vary the models' initialisation and the noise ceiling's
//! halves, not the cells.

mod config;
mod design;
mod load;

pub use config::H5adConfig;
pub use design::{Cell, Design};
pub use load::{Prepared, prepare};

use citebench_anndata::{AnnData, AnnDataError};
use citebench_core::config::ConfigError;
use citebench_core::data::{Dataset, GroundTruth, Matrix, Observations, Simulation};
use citebench_core::simulator::{Simulator, SimulatorError};
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SourceError {
    /// A scenario key that does not fit the file (a label with no cells, a
    /// missing column): reported at `[simulator.config]`.
    #[error("{0}")]
    Config(ConfigError),
    /// The file is unreadable or its content is not what was expected.
    #[error("{0}")]
    Data(String),
}

impl SourceError {
    fn data(data: &AnnData, message: String) -> Self {
        Self::Data(format!("{}: {message}", data.path().display()))
    }

    /// A column the scenario names (as `key`) that the file lacks or
    /// cannot decode.
    fn column(e: AnnDataError, key: &str) -> Self {
        Self::Config(ConfigError::invalid(format!("{e} (the `{key}` column)")))
    }

    fn no_cells<'a>(data: &AnnData, column: &str, label: &str, key: &str, known: impl Iterator<Item = &'a &'a str>) -> Self {
        let known: Vec<&str> = known.copied().collect();
        Self::Config(ConfigError::invalid(format!(
            "{}: obs column `{column}` has no cells labelled `{label}` (named in `{key}`); its labels are: {}",
            data.path().display(),
            known.join(", ")
        )))
    }
}

impl From<AnnDataError> for SourceError {
    fn from(e: AnnDataError) -> Self {
        Self::Data(e.to_string())
    }
}

impl From<SourceError> for SimulatorError {
    fn from(e: SourceError) -> Self {
        match e {
            SourceError::Config(c) => SimulatorError::Config(c),
            SourceError::Data(m) => SimulatorError::Failed(m),
        }
    }
}

/// The `h5ad` data source; relative paths are resolved against `base`,
/// the folder of the scenario file.
pub struct H5adSource {
    base: PathBuf,
}

impl H5adSource {
    pub fn new(base: impl Into<PathBuf>) -> Self {
        Self { base: base.into() }
    }

    /// The file a configuration names, resolved against the scenario's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() { path.to_path_buf() } else { self.base.join(path) }
    }

    fn open(&self, config: &H5adConfig) -> Result<AnnData, SourceError> {
        let path = self.resolve(&config.path);
        if !path.exists() {
            return Err(SourceError::Config(ConfigError::invalid(format!(
                "{}: no such file (`path` = \"{}\" is relative to the scenario's folder {}, unless absolute)",
                path.display(),
                config.path.display(),
                self.base.display()
            ))));
        }
        Ok(AnnData::open(&path)?)
    }

    /// Reads and prepares the data a configuration describes.
    pub fn load(&self, config: &H5adConfig) -> Result<Simulation, SourceError> {
        let data = self.open(config)?;
        let design = Design::read(&data, config)?;
        let prepared = prepare(&data, &design, config)?;
        let n_genes = prepared.genes.len();
        let x = Matrix::new(prepared.rows, n_genes, prepared.values)
            .map_err(|e| SourceError::data(&data, format!("inconsistent preparation: {e}")))?;
        let (p, rest): (Vec<u32>, Vec<(u32, u32)>) = prepared.conditions.iter().map(|&(p, t, r)| (p, (t, r))).unzip();
        let (t, r): (Vec<u32>, Vec<u32>) = rest.into_iter().unzip();
        let n_targets = design.target_names.len() as u32;
        let observations = Observations::new(x, t, p, r, prepared.units, design.perturbations, design.time_values, n_targets)
            .map_err(|e| SourceError::data(&data, format!("inconsistent design: {e}")))?;
        let var_names = data.var_names()?;
        let feature_names = prepared.genes.iter().map(|&g| var_names[g].clone()).collect();
        let rows = observations.len();
        let dataset = Dataset::new(observations, design.target_names, feature_names)
            .map_err(|e| SourceError::data(&data, format!("inconsistent design: {e}")))?;
        Ok(Simulation { dataset, truth: GroundTruth::observed_only(rows, n_targets as usize) })
    }
}

impl Simulator for H5adSource {
    fn name(&self) -> &'static str {
        "h5ad"
    }

    /// Parses the configuration, opens the file and reads its design
    /// (obs columns only), so a missing column or a label with no cells is
    /// caught by `citebench validate`.
    fn check(&self, config: &toml::Table) -> Result<(), SimulatorError> {
        let config = H5adConfig::from_table(config)?;
        let data = self.open(&config)?;
        Design::read(&data, &config)?;
        Ok(())
    }

    fn simulate(&self, config: &toml::Table, _seed: u64) -> Result<Simulation, SimulatorError> {
        Ok(self.load(&H5adConfig::from_table(config)?)?)
    }
}

#[cfg(test)]
mod tests;
