//! Assumption violations: each weakens one assumption behind
//! identifiability, with a `strength` where 0 means the assumption holds
//! (the data are then bit-identical to leaving the violation out).
//!
//! ```toml
//! [[simulator.config.violations]]
//! kind = "instantaneous_effects"
//! strength = 0.5
//! ```
//!
//! A violation is a unit with up to two parts: `adjust` changes mechanism
//! parameters before the world is built (the experimental design, the
//! targets, the mixing, the timeline, same-step edges), and `plugin` adds
//! systems or readout stages to the world (a confounder, drift, leakage,
//! sparse sampling, batch effects, extra noise). Neither adds a branch
//! inside another mechanism. Each kind's own module says what it does.

mod confounder;
mod design;
mod features;
mod instantaneous;
mod leak;
mod time;

use citebench_core::config::ConfigError;
use serde::{Deserialize, Serialize};

use crate::config::{LatentScmConfig, invalid};
use crate::scm::Mechanisms;
use crate::stream::Streams;
use crate::world::SimPlugin;

/// One `[[violations]]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViolationConfig {
    pub kind: ViolationKind,
    /// 0 = the assumption holds; see [`ViolationKind`] for each scale.
    pub strength: f64,
}

/// The assumptions that can be violated, and what `strength` means for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// Same-step edges among dynamic latents; strength scales their weights.
    InstantaneousEffects,
    /// A hidden variable driving several dynamic latents; strength scales its loadings.
    LatentConfounder,
    /// The mixing forgets latent directions: a fraction `strength` (in
    /// [0, 1], rounded up) of the latents - 1 directions that could go.
    NonInvertibleMixing,
    /// Extra Gaussian observation noise of standard deviation `strength`.
    ObservationNoise,
    /// Fewer single-target conditions: a fraction `strength` (in [0, 1]) of
    /// the targets is never applied alone.
    FewConditions,
    /// Targets touch more latents: a fraction `strength` (in [0, 1]) of the
    /// latents each target leaves untouched.
    DenseTargets,
    /// Time and perturbations also move the invariant block, by `strength`.
    LeakyInvariance,
    /// Irregular spacing: `strength` is the mean extra number of mechanism
    /// steps between consecutive time points.
    IrregularTimePoints,
    /// Sparse sampling: each (unit, time point) is missed with probability
    /// `strength` (in [0, 1]); a unit keeps at least one time point.
    SparseTimePoints,
    /// Transition weights drift with time, by `strength` at the last step.
    NonStationary,
    /// Each replicate's features are offset by N(0, strength^2) per feature.
    BatchEffects,
}

impl ViolationKind {
    /// Whether the strength is a fraction, at most 1.
    fn is_fraction(self) -> bool {
        matches!(self, Self::NonInvertibleMixing | Self::FewConditions | Self::DenseTargets | Self::SparseTimePoints)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::InstantaneousEffects => "instantaneous_effects",
            Self::LatentConfounder => "latent_confounder",
            Self::NonInvertibleMixing => "non_invertible_mixing",
            Self::ObservationNoise => "observation_noise",
            Self::FewConditions => "few_conditions",
            Self::DenseTargets => "dense_targets",
            Self::LeakyInvariance => "leaky_invariance",
            Self::IrregularTimePoints => "irregular_time_points",
            Self::SparseTimePoints => "sparse_time_points",
            Self::NonStationary => "non_stationary",
            Self::BatchEffects => "batch_effects",
        }
    }
}

/// Checks each strength and that no kind is listed twice.
pub(crate) fn validate(violations: &[ViolationConfig]) -> Result<(), ConfigError> {
    for (i, v) in violations.iter().enumerate() {
        let name = v.kind.name();
        let s = v.strength;
        if !(s >= 0.0 && (s as f32).is_finite()) {
            return Err(invalid(format!("`violations` #{} (`{name}`): `strength` = {s} must be a finite number >= 0", i + 1)));
        }
        if v.kind.is_fraction() && s > 1.0 {
            return Err(invalid(format!("`violations` #{} (`{name}`): `strength` = {s} is a fraction and must be at most 1", i + 1)));
        }
        if violations[..i].iter().any(|w| w.kind == v.kind) {
            return Err(invalid(format!("`violations`: `{name}` is listed twice; give one strength per kind")));
        }
    }
    Ok(())
}

/// Applies the violation's changes to mechanism parameters, if it has any.
pub(crate) fn adjust(v: &ViolationConfig, config: &LatentScmConfig, streams: &Streams, m: &mut Mechanisms) {
    let s = v.strength;
    match v.kind {
        ViolationKind::InstantaneousEffects => instantaneous::adjust(s, streams, m),
        ViolationKind::LatentConfounder => confounder::adjust(s, streams, m),
        ViolationKind::NonInvertibleMixing => features::collapse_mixing(s, streams, m),
        ViolationKind::FewConditions => design::few_conditions(s, config, m),
        ViolationKind::DenseTargets => design::dense_targets(s, config, streams, m),
        ViolationKind::IrregularTimePoints => time::irregular(s, streams, m),
        ViolationKind::ObservationNoise
        | ViolationKind::LeakyInvariance
        | ViolationKind::SparseTimePoints
        | ViolationKind::NonStationary
        | ViolationKind::BatchEffects => {}
    }
}

/// The violation's plugin, if it acts on the running world.
pub(crate) fn plugin(v: &ViolationConfig, config: &LatentScmConfig, m: &Mechanisms) -> Option<Box<dyn SimPlugin>> {
    let s = v.strength;
    Some(match v.kind {
        ViolationKind::LatentConfounder => Box::new(confounder::plugin(m)),
        ViolationKind::ObservationNoise => Box::new(features::extra_noise(s)),
        ViolationKind::BatchEffects => Box::new(features::batch_effects(s, config)),
        ViolationKind::LeakyInvariance => Box::new(leak::plugin(s, config, m)),
        ViolationKind::SparseTimePoints => Box::new(time::sparse(s)),
        ViolationKind::NonStationary => Box::new(time::drift_plugin(s, m)),
        ViolationKind::InstantaneousEffects
        | ViolationKind::NonInvertibleMixing
        | ViolationKind::FewConditions
        | ViolationKind::DenseTargets
        | ViolationKind::IrregularTimePoints => return None,
    })
}

#[cfg(test)]
mod tests {
    use crate::config::tests::parse;

    #[test]
    fn strengths_and_kinds_are_checked_by_name() {
        let cases = [
            ("kind = \"dense_targets\"\nstrength = 1.5", &["#1", "`dense_targets`", "`strength` = 1.5", "at most 1"][..]),
            ("kind = \"batch_effects\"\nstrength = -1.0", &["`batch_effects`", "`strength` = -1"]),
            ("kind = \"batch_effect\"\nstrength = 1.0", &["batch_effect", "batch_effects"]),
        ];
        for (text, needles) in cases {
            let message = parse(&format!("[[violations]]\n{text}")).unwrap_err().to_string();
            for needle in needles {
                assert!(message.contains(needle), "{text}: `{message}` lacks `{needle}`");
            }
        }
        let twice = "[[violations]]\nkind = \"latent_confounder\"\nstrength = 1.0\n".repeat(2);
        assert!(parse(&twice).unwrap_err().to_string().contains("`latent_confounder` is listed twice"));
        assert!(parse("[[violations]]\nkind = \"non_stationary\"").unwrap_err().to_string().contains("strength"));
    }
}
