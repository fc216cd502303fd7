//! Assumption violations that make sense for rendered scenes, each with a
//! `strength` where 0 leaves the data bit-identical:
//!
//! - `instantaneous_effects` (fraction): goals move this far toward the
//!   goal of same-step parents (CITRIS's instantaneous variant at 1).
//! - `sparse_time_points` (fraction): each scene misses each planned time
//!   point with this probability (keeping at least one).
//! - `observation_noise`: Gaussian pixel noise of this standard deviation.
//! - `batch_effects`: each replicate's images are offset per channel by
//!   N(0, strength^2), a colour cast.
//!
//! A violation either adjusts the transition's parameters, adds a plugin
//! to the world, or adds a stage applied to each rendered frame; none adds
//! a branch inside another mechanism.

use bevy_ecs::prelude::*;
use citebench_core::config::ConfigError;
use rand::RngExt;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::config::invalid;
use crate::mechanism::Transition;
use crate::scene::{Sampling, SceneId};
use crate::stream::{Draw, Streams};
use crate::world::SimPlugin;

/// One `[[violations]]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViolationConfig {
    pub kind: ViolationKind,
    pub strength: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    InstantaneousEffects,
    SparseTimePoints,
    ObservationNoise,
    BatchEffects,
}

impl ViolationKind {
    fn name(self) -> &'static str {
        match self {
            Self::InstantaneousEffects => "instantaneous_effects",
            Self::SparseTimePoints => "sparse_time_points",
            Self::ObservationNoise => "observation_noise",
            Self::BatchEffects => "batch_effects",
        }
    }

    fn is_fraction(self) -> bool {
        matches!(self, Self::InstantaneousEffects | Self::SparseTimePoints)
    }
}

/// Checks each strength and that no kind is listed twice.
pub(crate) fn validate(violations: &[ViolationConfig]) -> Result<(), ConfigError> {
    for (i, v) in violations.iter().enumerate() {
        let (name, s) = (v.kind.name(), v.strength);
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

/// Applies the violation's change to the transition, if it has one.
pub(crate) fn adjust(v: &ViolationConfig, transition: &mut Transition) {
    if v.kind == ViolationKind::InstantaneousEffects {
        transition.instantaneous = v.strength as f32;
    }
}

/// The violation's plugin, if it acts on the world.
pub(crate) fn plugin(v: &ViolationConfig) -> Option<Box<dyn SimPlugin>> {
    (v.kind == ViolationKind::SparseTimePoints && v.strength > 0.0).then(|| Box::new(sparse(v.strength)) as _)
}

/// Each scene drops each planned time point with probability `strength`;
/// one that would drop them all keeps one, chosen uniformly.
fn sparse(strength: f64) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let streams = *world.resource::<Streams>();
        for (scene, mut sampling) in world.query::<(&SceneId, &mut Sampling)>().iter_mut(world) {
            let mut rng = streams.scene(Draw::SparseTime, scene.0, 0);
            let planned = std::mem::take(&mut sampling.0);
            let kept: Vec<u32> = planned.iter().copied().filter(|_| rng.random::<f64>() >= strength).collect();
            sampling.0 = if kept.is_empty() { vec![planned[rng.random_range(0..planned.len())]] } else { kept };
        }
    }
}

/// What is done to each rendered frame after rendering.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FrameStage {
    /// Gaussian noise of this standard deviation on every value.
    Noise(f32),
    /// Per replicate, an offset per channel.
    ColourCast(Vec<[f32; 3]>),
}

impl FrameStage {
    /// The violation's frame stage, if it has one.
    pub(crate) fn of(v: &ViolationConfig, replicates: u32, streams: &Streams) -> Option<Self> {
        let s = v.strength as f32;
        match v.kind {
            ViolationKind::ObservationNoise if s > 0.0 => Some(Self::Noise(s)),
            ViolationKind::BatchEffects if s > 0.0 => Some(Self::ColourCast(
                (0..replicates)
                    .map(|r| {
                        let mut rng = streams.scene(Draw::BatchEffects, u64::from(r), 0);
                        std::array::from_fn(|_| s * rng.sample::<f32, _>(StandardNormal))
                    })
                    .collect(),
            )),
            _ => None,
        }
    }

    /// Applies the stage to the frame of `scene` at `time_point` in `replicate`.
    pub(crate) fn apply(&self, frame: &mut [f32], streams: &Streams, scene: u64, time_point: u32, replicate: u32) {
        match self {
            Self::Noise(sd) => {
                let mut rng = streams.scene(Draw::PixelNoise, scene, time_point);
                frame.iter_mut().for_each(|v| *v += sd * rng.sample::<f32, _>(StandardNormal));
            }
            Self::ColourCast(offsets) => {
                let plane = frame.len() / 3;
                for (channel, offset) in frame.chunks_mut(plane).zip(offsets[replicate as usize]) {
                    channel.iter_mut().for_each(|v| *v += offset);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::tests::parse;

    #[test]
    fn strengths_and_kinds_are_checked_by_name() {
        let cases = [
            ("kind = \"sparse_time_points\"\nstrength = 1.5", &["#1", "`sparse_time_points`", "at most 1"][..]),
            ("kind = \"batch_effects\"\nstrength = -1.0", &["`batch_effects`", "`strength` = -1"]),
            ("kind = \"latent_confounder\"\nstrength = 1.0", &["latent_confounder", "instantaneous_effects"]),
        ];
        for (text, needles) in cases {
            let message = parse(&format!("[[violations]]\n{text}")).unwrap_err().to_string();
            for needle in needles {
                assert!(message.contains(needle), "{text}: `{message}` lacks `{needle}`");
            }
        }
        let twice = "[[violations]]\nkind = \"observation_noise\"\nstrength = 1.0\n".repeat(2);
        assert!(parse(&twice).unwrap_err().to_string().contains("`observation_noise` is listed twice"));
    }
}
