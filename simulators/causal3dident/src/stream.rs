//! Random streams: every random number of a simulation comes from a
//! ChaCha8 stream keyed by (seed, what is drawn, scene, step), hashed with
//! SplitMix64, the scheme of `latent-scm`'s streams. A scene's numbers
//! therefore do not depend on which thread simulates it, on how many
//! scenes there are, or on the order systems visit them.

use bevy_ecs::prelude::Resource;
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

/// SplitMix64's finaliser: a bijective mix of 64 bits.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A 256-bit seed hashed from `key` (its length first, so keys of
/// different lengths sharing a prefix never collide by construction).
fn keyed_seed(key: &[u64]) -> [u8; 32] {
    let hash = key.iter().fold(splitmix64(key.len() as u64), |h, &word| splitmix64(h ^ word));
    let mut seed = [0u8; 32];
    for (i, chunk) in seed.chunks_exact_mut(8).enumerate() {
        chunk.copy_from_slice(&splitmix64(hash.wrapping_add(i as u64)).to_le_bytes());
    }
    seed
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
