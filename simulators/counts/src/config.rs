//! The `counts` table: how continuous expression becomes counts, and how
//! counts are normalised before a model sees them.

use citebench_core::config::{ConfigError, from_table};
use serde::{Deserialize, Serialize};

/// The count observation model's keys; every one is optional.
///
/// Defaults give a 10x-like droplet profile: about 5,000 counts per cell,
/// moderate overdispersion, no extra dropout, raw counts delivered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CountConfig {
    /// Median total count of a cell (its library size).
    pub library_size: f64,
    /// Standard deviation of the log library size (log-normal across cells).
    pub library_size_sd: f64,
    /// Standard deviation of each gene's log baseline expression b_g.
    pub gene_baseline_sd: f64,
    /// Negative-binomial size theta: variance = mu + mu^2 / theta.
    pub inverse_dispersion: f64,
    /// Midpoint, on ln(mu), of the logistic dropout curve; absent = no dropout.
    pub dropout_midpoint: Option<f64>,
    /// Slope of the dropout curve on ln(mu); negative, so that weakly
    /// expressed genes drop out more (Splatter's convention).
    pub dropout_shape: f64,
    /// What models receive: raw counts or normalised values.
    pub normalise: Normalisation,
}

impl Default for CountConfig {
    fn default() -> Self {
        Self {
            library_size: 5000.0,
            library_size_sd: 0.3,
            gene_baseline_sd: 1.0,
            inverse_dispersion: 5.0,
            dropout_midpoint: None,
            dropout_shape: -1.0,
            normalise: Normalisation::None,
        }
    }
}

/// Per-row normalisation of counts, applied after sampling (and after
/// pseudo-bulk aggregation, so a profile is normalised once).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// Raw counts.
    #[default]
    None,
    /// Each row scaled to 10,000 counts in total (counts per 10k).
    TotalCount,
    /// Counts per 10k, then ln(1 + x): scanpy's `normalize_total` with
    /// `target_sum=1e4` followed by `log1p`.
    Log1pCp10k,
}

impl CountConfig {
    /// Reads a `counts` table; unknown keys are errors naming the key.
    pub fn from_table(table: &toml::Table) -> Result<Self, ConfigError> {
        from_table(table)
    }

    /// Checks every value, with a message naming the key at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for (key, value, positive) in [
            ("library_size", self.library_size, true),
            ("library_size_sd", self.library_size_sd, false),
            ("gene_baseline_sd", self.gene_baseline_sd, false),
            ("inverse_dispersion", self.inverse_dispersion, true),
            ("dropout_shape", self.dropout_shape.abs(), false),
            ("dropout_midpoint", self.dropout_midpoint.unwrap_or(0.0).abs(), false),
        ] {
            // Computations run in f32: a value finite in f64 but not in f32
            // would fill the counts with infinities.
            let ok = (value as f32).is_finite() && if positive { value > 0.0 } else { value >= 0.0 };
            if !ok {
                let bound = if positive { "> 0" } else { ">= 0" };
                let shown = if key.starts_with("dropout") { "a finite number".to_string() } else { format!("a finite number {bound}") };
                return Err(ConfigError::invalid(format!("`counts.{key}` = {value} must be {shown}")));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<CountConfig, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::invalid(e.to_string()))?;
        let config = CountConfig::from_table(&table)?;
        config.validate().map(|()| config)
    }

    #[test]
    fn keys_are_checked_and_named() {
        assert_eq!(parse("").unwrap(), CountConfig::default());
        assert_eq!(parse("normalise = \"log1p_cp10k\"").unwrap().normalise, Normalisation::Log1pCp10k);
        assert_eq!(parse("library_sise = 3").unwrap_err().nearest_key(), Some("library_size"));
        assert!(parse("inverse_dispersion = 0.0").unwrap_err().to_string().contains("`counts.inverse_dispersion` = 0"));
        assert!(parse("library_size_sd = -1.0").unwrap_err().to_string().contains("`counts.library_size_sd`"));
        assert!(parse("dropout_midpoint = inf").unwrap_err().to_string().contains("`counts.dropout_midpoint`"));
        assert!(parse("normalise = \"log2\"").unwrap_err().to_string().contains("log1p_cp10k"));
    }
}
