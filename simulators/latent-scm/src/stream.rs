//! Random streams: where every random number of a simulation comes from.
//!
//! Nothing draws from a shared generator while units are simulated. Each
//! draw comes from a ChaCha8 stream whose key is (seed, what is drawn,
//! unit id, time point), hashed with SplitMix64. A unit's numbers therefore
//! do not depend on which thread simulates it, on how many units there are
//! or on the order systems visit them, which is what keeps parallel systems
//! bit-for-bit deterministic. Mechanism parameters (transition weights,
//! intervention shifts, mixing) each get their own stream keyed by
//! (seed, what is drawn), so sweeping one configuration key (say the number
//! of targets) leaves the others' draws unchanged.
//!
//! Bulk draws, thousands per row of features (observation noise, counts),
//! come from xoshiro256++ instead, seeded from the same hashed key
//! ([`Streams::bulk`]): it is several times faster than ChaCha8 here and
//! ample for simulation, while ChaCha8 keeps every parameter and latent.

use bevy_ecs::prelude::Resource;
use citebench_core::seeding::keyed_seed;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;

/// What a stream is drawn for; part of the stream's key, so that adding a
/// new kind of draw never shifts an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Draw {
    /// The lagged weight matrices W_l of the transition.
    TransitionWeights = 1,
    /// Which latents each target shifts, and by how much.
    InterventionShifts = 2,
    /// The layers of the mixing function g.
    Mixing = 3,
    /// A unit's invariant latents s.
    InvariantLatents = 4,
    /// A unit's first `lags` dynamic states.
    InitialHistory = 5,
    /// The transition noise eps_t of one unit at one time point.
    TransitionNoise = 6,
    /// The observation noise of one unit at one time point.
    ObservationNoise = 7,
    /// The causal order and same-step weights of instantaneous effects.
    Instantaneous = 8,
    /// Which latents the hidden confounder drives, and how strongly.
    ConfounderLoadings = 9,
    /// The hidden confounder's value for one unit at one step.
    Confounder = 10,
    /// The latent directions a non-invertible mixing collapses.
    MixingCollapse = 11,
    /// Extra observation noise (the `observation_noise` violation) of one
    /// unit at one time point.
    ExtraObservationNoise = 12,
    /// The further latents each target touches under dense targets.
    DenseTargets = 13,
    /// The directions in which time and perturbations move the invariant block.
    InvarianceLeak = 14,
    /// The gaps between irregular time points.
    IrregularTime = 15,
    /// Which time points a unit misses under sparse sampling.
    SparseTime = 16,
    /// The drift of the transition weights.
    TransitionDrift = 17,
    /// The feature offsets of each replicate.
    BatchEffects = 18,
    /// The count model's per-gene baselines.
    CountGenes = 19,
    /// The counts (library size, draws, dropout) of one unit at one time point.
    Counts = 20,
    /// The gains of soft interventions.
    SoftGains = 21,
    /// The noise scales of shift-and-scale interventions.
    NoiseScales = 22,
    /// The reference draws behind the transition's condition-number filter.
    TransitionConditioning = 23,
}

/// The seed of a simulation, from which every stream is derived.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Streams {
    seed: u64,
}

impl Streams {
    pub(crate) fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// The stream for a mechanism's parameters.
    pub(crate) fn mechanism(&self, draw: Draw) -> ChaCha8Rng {
        keyed_rng(&[self.seed, draw as u64])
    }

    /// The stream for one unit at one time point (or mechanism step).
    pub(crate) fn unit(&self, draw: Draw, unit: u64, time_point: u32) -> ChaCha8Rng {
        keyed_rng(&[self.seed, draw as u64, unit, u64::from(time_point)])
    }

    /// The fast stream for the bulk draws of one row (unit, time point).
    pub(crate) fn bulk(&self, draw: Draw, unit: u64, time_point: u32) -> Xoshiro256PlusPlus {
        Xoshiro256PlusPlus::from_seed(keyed_seed(&[self.seed, draw as u64, unit, u64::from(time_point)]))
    }

    /// The stream for part `part` of a mechanism's parameters (one
    /// replicate's batch offsets, a second kind of draw of one mechanism).
    pub(crate) fn mechanism_part(&self, draw: Draw, part: u64) -> ChaCha8Rng {
        keyed_rng(&[self.seed, draw as u64, part])
    }
}

/// One standard normal draw in the data's precision.
pub(crate) fn standard_normal(rng: &mut ChaCha8Rng) -> f32 {
    rng.sample(StandardNormal)
}

/// A ChaCha8 generator whose 256-bit key is hashed from `key`.
fn keyed_rng(key: &[u64]) -> ChaCha8Rng {
    ChaCha8Rng::from_seed(keyed_seed(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_part_of_the_key_and_repeat_exactly() {
        let streams = Streams::new(7);
        let first = |mut rng: ChaCha8Rng| rng.next_u64();
        let base = first(streams.unit(Draw::TransitionNoise, 3, 2));
        assert_eq!(base, first(streams.unit(Draw::TransitionNoise, 3, 2)));
        assert_ne!(base, first(Streams::new(8).unit(Draw::TransitionNoise, 3, 2)));
        assert_ne!(base, first(streams.unit(Draw::ObservationNoise, 3, 2)));
        assert_ne!(base, first(streams.unit(Draw::TransitionNoise, 4, 2)));
        assert_ne!(base, first(streams.unit(Draw::TransitionNoise, 3, 3)));
        assert_ne!(first(streams.mechanism(Draw::Mixing)), first(streams.mechanism(Draw::TransitionWeights)));
    }
}
