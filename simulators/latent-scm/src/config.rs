//! The simulator's configuration and its validation.
//!
//! Every key is optional; [`LatentScmConfig::default`] documents the
//! defaults. The experimental design a configuration implies (targets and
//! conditions) lives in module `design`; assumption violations (the
//! `violations` array) in module `violation`.

use citebench_core::config::{ConfigError, from_table};
use citebench_counts::CountConfig;
use serde::{Deserialize, Serialize};

use crate::violation::ViolationConfig;

/// The `[simulator.config]` table of a scenario that uses `latent-scm`.
///
/// The defaults follow TDRL's synthetic recipe with 4 dynamic latents and
/// the 2n+1 perturbations that identifiability results for Gaussian priors
/// ask for, observed as Gaussian features along whole trajectories.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LatentScmConfig {
    /// Latents s drawn once per unit and never changed by time or perturbation.
    pub invariant_latents: usize,
    /// Latents z_t that evolve over time and respond to perturbations (at least 1).
    pub dynamic_latents: usize,
    /// Observed features ("g0", "g1", ...; genes with `counts`); at least
    /// the number of latents, so that the mixing can be injective.
    pub observed: usize,
    /// Layers of the mixing MLP g (at least 1: the linear first layer).
    pub mixing_layers: usize,
    /// The mixing's linear first layer A.
    pub mixing_first_layer: FirstLayer,
    /// How the past drives the dynamic latents.
    pub transition: TransitionKind,
    /// How many past states the transition reads (TDRL uses 2).
    pub lags: usize,
    /// TDRL's filter on the lagged weights: a draw of W_l is kept only if
    /// its condition number is below this quantile of the condition numbers
    /// of 10^4 reference draws (TDRL: 0.25); 1 keeps the first draw.
    pub transition_condition_quantile: f64,
    /// Perturbation targets, named "P0", "P1", ...; each is simulated alone.
    pub targets: u32,
    /// Dynamic latents each target acts on (chosen at random, without replacement).
    pub latents_per_target: usize,
    /// Combinations also simulated, as labels such as "P0+P1".
    pub combinations: Vec<String>,
    /// Size of an effect: each (target, latent) pair gets
    /// delta = random sign * effect_size * U(0.5, 1.5).
    pub effect_size: f64,
    /// How a perturbation acts on its target latents.
    pub intervention: InterventionKind,
    /// Dose of every perturbation: scales shifts and do-values, and moves a
    /// soft intervention's gain from 1 (dose 0) to its drawn value (dose 1).
    pub dose: f64,
    /// Time points observed per unit (0 is before any perturbation acts).
    pub time_points: u32,
    /// Units (cells) per condition, control included.
    pub units_per_condition: usize,
    /// Replicates the units of a condition are dealt to, round robin.
    pub replicates: u32,
    /// Standard deviation of the transition noise eps_t.
    pub transition_noise: f64,
    /// Standard deviation of the Gaussian noise added to each feature
    /// (with `counts`, noise on the log expression before counting).
    pub observation_noise: f64,
    /// Which units are observed when, and whether cells are pooled.
    pub observation_mode: ObservationMode,
    /// Present: features are single-cell counts drawn from the expression.
    pub counts: Option<CountConfig>,
    /// Assumption violations, each `{ kind = "...", strength = s }`.
    pub violations: Vec<ViolationConfig>,
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
            mixing_first_layer: FirstLayer::Gaussian,
            transition: TransitionKind::Lagged,
            lags: 1,
            transition_condition_quantile: 1.0,
            targets: 9,
            latents_per_target: 1,
            combinations: Vec::new(),
            effect_size: 2.0,
            intervention: InterventionKind::Shift,
            dose: 1.0,
            time_points: 5,
            units_per_condition: 50,
            replicates: 2,
            transition_noise: 0.1,
            observation_noise: 0.05,
            observation_mode: ObservationMode::Trajectories,
            counts: None,
            violations: Vec::new(),
            threads: 0,
        }
    }
}

/// The mixing's linear first layer A (observed x latents).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FirstLayer {
    /// Entries N(0, 1 / latents): injective with probability one, but its
    /// condition number grows with the number of latents.
    #[default]
    Gaussian,
    /// Orthonormal columns (A^T A = I), as TDRL's orthogonal mixing layers:
    /// every latent direction reaches the features at the same scale.
    Orthogonal,
}

/// How the past drives the dynamic latents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransitionKind {
    /// TDRL's transition: z_t = LReLU(eps_t + sum_l LReLU(z_{t-l} W_l)).
    #[default]
    Lagged,
    /// No lagged effects and no post-nonlinearity: z_t = eps_t under
    /// control, so given the condition the latents are independent
    /// Gaussians, as in iVAE's generative model.
    Independent,
}

/// How a perturbation changes the mechanism of a target latent z_i.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InterventionKind {
    /// Mechanism shift: z_i = f_i(...) + dose * delta_i.
    #[default]
    Shift,
    /// Hard intervention do(z_i = dose * delta_i): the parents are cut.
    Do,
    /// Soft intervention: the parents' influence is scaled by a gain,
    /// z_i = LReLU(eps_i + gain_i * a_i), gain_i = 1 + dose * (r_i - 1), r_i ~ U(-1, 1).
    Soft,
    /// Shift and noise scale: z_i = LReLU(scale_i * eps_i + a_i) + dose * delta_i,
    /// scale_i = q_i^dose with q_i log-uniform in [1/3, 3]: the condition
    /// moves both the location and the spread of the latent, which is what
    /// iVAE's identifiability (2n + 1 conditions) needs of a Gaussian prior.
    ShiftScale,
}

/// Which units are observed at which time points.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationMode {
    /// Every unit at every time point; rows sharing a unit id form a trajectory.
    #[default]
    Trajectories,
    /// Destructive sampling: each unit is observed once, at one time point,
    /// so unit ids are unique per row.
    Snapshots,
    /// Snapshots pooled by (perturbation, time point, replicate): one row
    /// per group, the sum of its cells' counts (the mean of continuous
    /// features) and the mean of their latents.
    Pseudobulk,
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

    pub(crate) fn check_sizes(&self) -> Result<(), ConfigError> {
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
                 or the mixing cannot be injective (the `non_invertible_mixing` violation collapses it on purpose)",
                self.observed, self.invariant_latents, self.dynamic_latents
            )));
        }
        Ok(())
    }

    pub(crate) fn check_magnitudes(&self) -> Result<(), ConfigError> {
        if !(self.transition_condition_quantile > 0.0 && self.transition_condition_quantile <= 1.0) {
            return Err(invalid(format!(
                "`transition_condition_quantile` = {} must be in (0, 1]: the share of reference draws \
                 whose condition number a kept W_l may reach",
                self.transition_condition_quantile
            )));
        }
        if self.transition == TransitionKind::Independent && self.transition_condition_quantile < 1.0 {
            return Err(invalid(
                "`transition_condition_quantile` filters the lagged weights, which `transition` = \"independent\" \
                 does not have"
                    .into(),
            ));
        }
        if self.transition == TransitionKind::Independent
            && self.violations.iter().any(|v| v.kind == crate::violation::ViolationKind::NonStationary)
        {
            return Err(invalid(
                "`violations`: `non_stationary` drifts the lagged weights, which `transition` = \"independent\" \
                 does not have"
                    .into(),
            ));
        }
        for (key, value) in [
            ("effect_size", self.effect_size),
            ("dose", self.dose),
            ("transition_noise", self.transition_noise),
            ("observation_noise", self.observation_noise),
        ] {
            // The data are f32: a value that is finite in f64 but not in f32
            // would fill the output with infinities.
            if !(value >= 0.0 && (value as f32).is_finite()) {
                return Err(invalid(format!("`{key}` = {value} must be a finite number >= 0")));
            }
        }
        if let Some(counts) = &self.counts {
            counts.validate()?;
        }
        crate::violation::validate(&self.violations)
    }
}

pub(crate) fn invalid(message: String) -> ConfigError {
    ConfigError::invalid(message)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn parse(text: &str) -> Result<LatentScmConfig, ConfigError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| ConfigError::invalid(e.to_string()))?;
        let config = LatentScmConfig::from_table(&table)?;
        config.validate().map(|()| config)
    }

    #[test]
    fn empty_table_gives_the_documented_defaults() {
        assert_eq!(parse("").unwrap(), LatentScmConfig::default());
    }

    #[test]
    fn nested_tables_parse_with_their_own_keys() {
        let config = parse(
            "intervention = \"do\"\ndose = 0.5\nobservation_mode = \"pseudobulk\"\n\
             [counts]\nnormalise = \"log1p_cp10k\"\n\
             [[violations]]\nkind = \"batch_effects\"\nstrength = 0.3\n",
        )
        .unwrap();
        assert_eq!(config.intervention, InterventionKind::Do);
        assert_eq!(config.observation_mode, ObservationMode::Pseudobulk);
        assert_eq!(config.counts.unwrap().normalise, citebench_counts::Normalisation::Log1pCp10k);
        assert_eq!(config.violations.len(), 1);
    }

    #[test]
    fn unknown_keys_are_named_at_every_level() {
        let err = parse("time_point = 3").unwrap_err();
        assert_eq!(err.unknown_key.as_deref(), Some("time_point"));
        assert_eq!(err.nearest_key(), Some("time_points"));
        let err = parse("[counts]\nlibrary = 3").unwrap_err();
        assert_eq!(err.unknown_key.as_deref(), Some("library"));
        let err = parse("[[violations]]\nkind = \"batch_effects\"\nstrenght = 1.0").unwrap_err();
        assert_eq!(err.nearest_key(), Some("strength"));
    }

    #[test]
    fn invalid_values_name_their_keys() {
        let cases = [
            ("observed = 5", &["`observed` = 5", "`invariant_latents`", "`dynamic_latents`", "= 6"][..]),
            ("dynamic_latents = 0", &["`dynamic_latents` = 0"]),
            ("time_points = 0", &["`time_points` = 0"]),
            ("latents_per_target = 5", &["`latents_per_target` = 5", "`dynamic_latents` = 4"]),
            ("effect_size = -1.0", &["`effect_size` = -1"]),
            ("dose = -0.5", &["`dose` = -0.5"]),
            ("observation_noise = nan", &["`observation_noise` = NaN"]),
            ("transition_noise = 1e300", &["`transition_noise`"]),
            ("intervention = \"knockout\"", &["knockout", "shift", "do", "soft", "shift_scale"]),
            ("transition = \"markov\"", &["markov", "lagged", "independent"]),
            ("mixing_first_layer = \"unitary\"", &["unitary", "gaussian", "orthogonal"]),
            ("transition_condition_quantile = 0.0", &["`transition_condition_quantile` = 0", "(0, 1]"]),
            ("transition = \"independent\"\ntransition_condition_quantile = 0.25", &["`transition_condition_quantile`", "independent"]),
            ("observation_mode = \"bulk\"", &["bulk", "snapshots", "pseudobulk"]),
            ("[counts]\nlibrary_size = 0.0", &["`counts.library_size` = 0"]),
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
