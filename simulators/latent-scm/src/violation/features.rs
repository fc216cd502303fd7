//! Violations of the observation model.
//!
//! `non_invertible_mixing`: identifiability needs an injective mixing g.
//! With strength s, the first layer forgets ceil(s * (latents - 1)) random
//! orthonormal latent directions (see `Mixing::collapse`), as if fewer
//! features than latents were observed: latents that differ only along them
//! give the same features. Strength 1 leaves one direction.
//!
//! `observation_noise`: extra Gaussian noise of standard deviation
//! `strength` on every feature (on the log expression when counting), from
//! its own stream, on top of `observation_noise`.
//!
//! `batch_effects`: each replicate r gets an offset beta_r ~ N(0, s^2 I)
//! over the features, added before noise and counting (with counts, a
//! multiplicative per-gene effect on expression, as in real batches).

use bevy_ecs::prelude::*;
use rand::RngExt;
use rand_distr::StandardNormal;

use crate::config::LatentScmConfig;
use crate::readout::{FeatureStage, Readout, RowKey, Stage, gaussian_noise};
use crate::scm::Mechanisms;
use crate::stream::{Draw, Streams};
use crate::world::SimPlugin;

pub(super) fn collapse_mixing(strength: f64, streams: &Streams, m: &mut Mechanisms) {
    let removable = m.mixing.latents().saturating_sub(1);
    let directions = (strength * removable as f64).ceil() as usize;
    if directions > 0 {
        m.collapsed = m.mixing.collapse(directions, &mut streams.mechanism(Draw::MixingCollapse));
    }
}

pub(super) fn extra_noise(strength: f64) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let stage = gaussian_noise(Draw::ExtraObservationNoise, strength as f32);
        world.resource_mut::<Readout>().add(Stage::ExtraObservationNoise, stage);
    }
}

/// Per replicate, the offset of every feature.
struct BatchEffects(Vec<Vec<f32>>);

impl FeatureStage for BatchEffects {
    fn apply(&self, key: RowKey, x: &mut [f32], _: &Streams) {
        x.iter_mut().zip(&self.0[key.replicate as usize]).for_each(|(x, beta)| *x += beta);
    }
}

pub(super) fn batch_effects(strength: f64, config: &LatentScmConfig) -> impl SimPlugin + use<> {
    let (replicates, features) = (config.replicates, config.observed);
    move |world: &mut World, _: &mut Schedule| {
        let streams = *world.resource::<Streams>();
        let offsets = (0..replicates)
            .map(|r| {
                let mut rng = streams.mechanism_part(Draw::BatchEffects, u64::from(r));
                (0..features).map(|_| strength as f32 * rng.sample::<f32, _>(StandardNormal)).collect()
            })
            .collect();
        world.resource_mut::<Readout>().add(Stage::BatchEffects, Box::new(BatchEffects(offsets)));
    }
}
