//! The simulator's configuration, its validation, and the experimental
//! design (targets and perturbed conditions) it implies.

use citebench_core::config::{ConfigError, from_table};
use citebench_core::data::Perturbation;
use serde::{Deserialize, Serialize};

/// The `[simulator]` table of a scenario that uses `latent-scm`.
///
/// Every key is optional; the defaults follow TDRL's synthetic recipe with
/// 4 dynamic latents and the 2n+1 perturbations that identifiability
/// results for Gaussian priors ask for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LatentScmConfig {
    /// Latents s drawn once per unit and never changed by time or perturbation.
    pub invariant_latents: usize,
    /// Latents z_t that evolve over time and respond to perturbations (at least 1).
    pub dynamic_latents: usize,
    /// Observed features ("g0", "g1", ...); at least the number of latents,
    /// so that the mixing can be injective.
    pub observed: usize,
    /// Layers of the mixing MLP g (at least 1: the linear first layer).
    pub mixing_layers: usize,
    /// How many past states the transition reads (TDRL uses 2).
    pub lags: usize,
    /// Perturbation targets, named "P0", "P1", ...; each is simulated alone.
    pub targets: u32,
    /// Dynamic latents each target shifts (chosen at random, without replacement).
    pub latents_per_target: usize,
    /// Combinations also simulated, as labels such as "P0+P1".
    pub combinations: Vec<String>,
    /// Size of a mechanism shift: each (target, latent) pair gets
    /// random sign * effect_size * U(0.5, 1.5).
    pub effect_size: f64,
    /// Time points observed per unit (0 is before any perturbation acts).
    pub time_points: u32,
    /// Units (cells) per condition, control included.
    pub units_per_condition: usize,
    /// Replicates the units of a condition are dealt to, round robin.
    pub replicates: u32,
    /// Standard deviation of the transition noise eps_t.
    pub transition_noise: f64,
    /// Standard deviation of the Gaussian noise added to each feature.
    pub observation_noise: f64,
    /// Worker threads: 0 = all cores, 1 = sequential; never changes the data.
    pub threads: usize,
}

impl Default for LatentScmConfig {
    fn default() -> Self {
        Self {
            invariant_latents: 2,
            dynamic_latents: 4,
            observed: 20,
            mixing_layers: 2,
            lags: 1,
            targets: 9,
            latents_per_target: 1,
            combinations: Vec::new(),
            effect_size: 2.0,
            time_points: 5,
            units_per_condition: 50,
            replicates: 2,
            transition_noise: 0.1,
            observation_noise: 0.05,
            threads: 0,
        }
    }
}

/// The targets and the conditions a configuration simulates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Design {
    pub(crate) target_names: Vec<String>,
    /// Control first, then each target alone, then the combinations in
    /// configuration order; a unit's condition indexes this table.
    pub(crate) conditions: Vec<Perturbation>,
}

impl LatentScmConfig {
    /// Reads a configuration table; unknown keys are errors naming the key.
    pub fn from_table(table: &toml::Table) -> Result<Self, ConfigError> {
        from_table(table)
    }

    /// Checks every value, with a message naming the key at fault.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.design().map(drop)
    }

    /// Validates the configuration and lays out its conditions.
    pub(crate) fn design(&self) -> Result<Design, ConfigError> {
        self.check_sizes()?;
        self.check_magnitudes()?;
        let target_names: Vec<String> = (0..self.targets).map(|t| format!("P{t}")).collect();
        let mut conditions = vec![Perturbation::control()];
        conditions.extend((0..self.targets).map(|t| Perturbation::new([t])));
        for label in &self.combinations {
            let combination = Perturbation::parse(label, &target_names)
                .map_err(|e| ConfigError::invalid(format!("`combinations`: {e}")))?;
            if !combination.is_combination() {
                return Err(invalid(format!(
                    "`combinations`: `{label}` names fewer than two distinct targets; \
                     single targets and the control are always simulated"
                )));
            }
            if conditions.contains(&combination) {
                return Err(invalid(format!("`combinations`: `{label}` is listed twice")));
            }
            conditions.push(combination);
        }
        let units = conditions.len().checked_mul(self.units_per_condition);
        let cells = units.and_then(|u| u.checked_mul(self.time_points as usize));
        if cells.and_then(|c| c.checked_mul(self.observed)).is_none() {
            return Err(invalid(format!(
                "{} conditions x `units_per_condition` = {} x `time_points` = {} x `observed` = {} \
                 values overflow the address space",
                conditions.len(),
                self.units_per_condition,
                self.time_points,
                self.observed
            )));
        }
        Ok(Design { target_names, conditions })
    }

    fn check_sizes(&self) -> Result<(), ConfigError> {
        let at_least_one = [
            ("dynamic_latents", self.dynamic_latents, "a simulation needs a latent to perturb"),
            ("mixing_layers", self.mixing_layers, "the mixing needs its linear first layer"),
            ("lags", self.lags, "the transition reads at least the previous state"),
            ("targets", self.targets as usize, "a perturbation benchmark needs a perturbation"),
            ("latents_per_target", self.latents_per_target, "a target must act on some latent"),
            ("time_points", self.time_points as usize, "every unit is observed at time point 0"),
            ("units_per_condition", self.units_per_condition, "every condition needs units"),
            ("replicates", self.replicates as usize, "units are dealt to replicates"),
        ];
        for (key, value, why) in at_least_one {
            if value == 0 {
                return Err(invalid(format!("`{key}` = 0 must be at least 1: {why}")));
            }
        }
        if self.latents_per_target > self.dynamic_latents {
            return Err(invalid(format!(
                "`latents_per_target` = {} exceeds `dynamic_latents` = {}: targets pick their latents \
                 without replacement",
                self.latents_per_target, self.dynamic_latents
            )));
        }
        let latents = self.invariant_latents.saturating_add(self.dynamic_latents);
        if self.observed < latents {
            return Err(invalid(format!(
                "`observed` = {} must be at least `invariant_latents` + `dynamic_latents` = {} + {} = {latents}, \
                 or the mixing cannot be injective",
                self.observed, self.invariant_latents, self.dynamic_latents
            )));
        }
        Ok(())
    }

    fn check_magnitudes(&self) -> Result<(), ConfigError> {
        for (key, value) in [
            ("effect_size", self.effect_size),
            ("transition_noise", self.transition_noise),
            ("observation_noise", self.observation_noise),
        ] {
            // The data are f32: a value that is finite in f64 but not in f32
            // would fill the output with infinities.
            if !(value >= 0.0 && (value as f32).is_finite()) {
                return Err(invalid(format!("`{key}` = {value} must be a finite number >= 0")));
            }
        }
        Ok(())
    }
}

fn invalid(message: String) -> ConfigError {
    ConfigError::invalid(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LatentScmConfig, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::invalid(e.to_string()))?;
        let config = LatentScmConfig::from_table(&table)?;
        config.validate().map(|()| config)
    }

    #[test]
    fn empty_table_gives_the_documented_defaults() {
        let config = parse("").unwrap();
        assert_eq!(config, LatentScmConfig::default());
        let design = config.design().unwrap();
        assert_eq!(design.conditions.len(), 10);
        assert_eq!(design.target_names[8], "P8");
    }

    #[test]
    fn combinations_follow_the_singles_in_config_order() {
        let config = parse("targets = 3\ncombinations = [\"P2+P0\", \"P1+P2\"]").unwrap();
        let design = config.design().unwrap();
        assert_eq!(design.conditions[0], Perturbation::control());
        assert_eq!(design.conditions[3], Perturbation::new([2]));
        assert_eq!(design.conditions[4], Perturbation::new([0, 2]));
        assert_eq!(design.conditions[5], Perturbation::new([1, 2]));
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse("time_point = 3").unwrap_err();
        assert_eq!(err.unknown_key.as_deref(), Some("time_point"));
        assert_eq!(err.nearest_key(), Some("time_points"));
    }

    #[test]
    fn invalid_values_name_their_keys() {
        let cases = [
            ("observed = 5", &["`observed` = 5", "`invariant_latents`", "`dynamic_latents`", "= 6"][..]),
            ("dynamic_latents = 0", &["`dynamic_latents` = 0"]),
            ("time_points = 0", &["`time_points` = 0"]),
            ("latents_per_target = 5", &["`latents_per_target` = 5", "`dynamic_latents` = 4"]),
            ("effect_size = -1.0", &["`effect_size` = -1"]),
            ("observation_noise = nan", &["`observation_noise` = NaN"]),
            ("transition_noise = 1e300", &["`transition_noise`"]),
            ("combinations = [\"P0+P12\"]", &["`combinations`", "`P12`", "`P0+P12`"]),
            ("combinations = [\"P3\"]", &["`combinations`", "`P3`", "fewer than two"]),
            ("combinations = [\"P0+P1\", \"P1+P0\"]", &["`combinations`", "`P1+P0`", "twice"]),
            ("combinations = [\"control\"]", &["`combinations`", "`control`"]),
        ];
        for (text, needles) in cases {
            let message = parse(text).unwrap_err().to_string();
            for needle in needles {
                assert!(message.contains(needle), "{text}: `{message}` lacks `{needle}`");
            }
        }
    }

    #[test]
    fn zero_invariant_latents_is_allowed() {
        assert!(parse("invariant_latents = 0\nobserved = 4").is_ok());
    }
}
