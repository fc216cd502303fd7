//! Random streams: every random number of a simulation comes from a
//! ChaCha8 stream keyed by (seed, what is drawn, scene, step), hashed with
//! SplitMix64, the scheme of `latent-scm`'s streams. A scene's numbers
//! therefore do not depend on which thread simulates it, on how many
//! scenes there are, or on the order systems visit them.

use bevy_ecs::prelude::Resource;
use citebench_core::seeding::keyed_seed;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a stream is drawn for; part of the key, so that a new kind of draw
/// never shifts an existing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub(crate) enum Draw {
    /// A scene's initial latents and its class.
    InitialState = 1,
    /// The transition noise of one scene at one step.
    TransitionNoise = 2,
    /// The values an intervention sets, for one scene at one step.
    InterventionValues = 3,
    /// Which time points a scene misses under sparse sampling.
    SparseTime = 4,
    /// The pixel noise of one observed frame.
    PixelNoise = 5,
    /// The colour offsets of one replicate.
    BatchEffects = 6,
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

    /// The stream for one scene (or replicate) at one step.
    pub(crate) fn scene(&self, draw: Draw, scene: u64, step: u32) -> ChaCha8Rng {
        ChaCha8Rng::from_seed(keyed_seed(&[self.seed, draw as u64, scene, u64::from(step)]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_by_every_part_of_the_key_and_repeat_exactly() {
        let streams = Streams::new(7);
        let first = |mut rng: ChaCha8Rng| rng.next_u64();
        let base = first(streams.scene(Draw::TransitionNoise, 3, 2));
        assert_eq!(base, first(streams.scene(Draw::TransitionNoise, 3, 2)));
        assert_ne!(base, first(Streams::new(8).scene(Draw::TransitionNoise, 3, 2)));
        assert_ne!(base, first(streams.scene(Draw::InterventionValues, 3, 2)));
        assert_ne!(base, first(streams.scene(Draw::TransitionNoise, 4, 2)));
        assert_ne!(base, first(streams.scene(Draw::TransitionNoise, 3, 3)));
    }
}
