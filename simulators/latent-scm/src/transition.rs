//! The lagged part of the dynamic latents' mechanism (TDRL's transition):
//!
//! z_t = LReLU(eps_t + a_t),  a_t = sum_{l=1..lags} LReLU(z_{t-l} W_l),
//! eps_t ~ N(0, transition_noise^2 I),
//!
//! This module gathers eps_t and a_t into each unit's [`Drive`]; the
//! structural assignment (module `assignment`) applies the outer LReLU,
//! any same-step effects and any perturbation.
//!
//! with z_{t-l} a row vector, so W_l[j, i] is the effect of latent j, l steps
//! back, on latent i. Entries of W_l are drawn U(-1, 1) and each column
//! (all inputs of one latent) is scaled to unit norm, as in TDRL. TDRL also
//! keeps a draw only if its condition number is below the 25th percentile
//! of 10^4 reference draws; `transition_condition_quantile` sets that
//! quantile (1, the default, keeps the first draw). Unlike TDRL's code, whose
//! reference draws have entries U(1, 2) (nearly parallel columns, so the
//! threshold barely filters), the reference draws here come from the same
//! U(-1, 1) law as W_l, so the quantile means what it says.
//!
//! `transition = "independent"` has no lagged weights at all: a_t = 0 (and
//! the assignment drops its LReLU, see module `assignment`).

use bevy_ecs::prelude::*;
use citebench_core::data::Edge;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use crate::activation::leaky_relu;
use crate::stream::{Draw, Streams, standard_normal};
use crate::unit::{Drive, DynamicLatents, UnitId};
use crate::world::{Clock, Parallelism, Phase, SimPlugin, for_each_unit};

/// The parameters of the transition: a resource of the world.
#[derive(Resource, Clone, Debug, PartialEq)]
pub(crate) struct Transition {
    pub(crate) n: usize,
    /// `weights[l - 1][j * n + i]` = W_l[j, i].
    pub(crate) weights: Vec<Vec<f32>>,
    noise_std: f32,
}

impl Transition {
    /// Draws the lagged weights for `n` latents and `lags` lags from `rng`,
    /// keeping each W_l only if its condition number is below the
    /// `quantile` of 10^4 reference draws from `reference` (every draw when
    /// `quantile` is 1, and `reference` is then left untouched).
    pub(crate) fn draw(
        n: usize,
        lags: usize,
        noise_std: f32,
        quantile: f64,
        rng: &mut ChaCha8Rng,
        reference: &mut ChaCha8Rng,
    ) -> Self {
        let threshold = (quantile < 1.0).then(|| condition_threshold(n, quantile, reference));
        let weights = (0..lags)
            .map(|_| loop {
                let w = draw_weights(n, rng);
                // Rejection terminates: a quantile > 0 of the draws' own law
                // is passed with probability about `quantile` per draw.
                if threshold.is_none_or(|t| condition_number(&w, n) <= t) {
                    break w;
                }
            })
            .collect();
        Self { n, weights, noise_std }
    }

    /// No lagged effects: every a_t is zero and the graph has no edges.
    pub(crate) fn independent(n: usize, noise_std: f32) -> Self {
        Self { n, weights: Vec::new(), noise_std }
    }

    /// The lagged edges j -> i wherever W_l[j, i] != 0, numbered from
    /// `offset` (the number of invariant latents, which come first).
    pub(crate) fn edges(&self, offset: usize) -> Vec<Edge> {
        let n = self.n;
        let mut edges = Vec::new();
        for (l, w) in self.weights.iter().enumerate() {
            for j in 0..n {
                for i in 0..n {
                    if w[j * n + i] != 0.0 {
                        edges.push(Edge { from: offset + j, to: offset + i, lag: l as u32 + 1 });
                    }
                }
            }
        }
        edges
    }

    /// a_t from the history (newest first), written into `input`.
    pub(crate) fn lagged_input(&self, history: &[f32], input: &mut [f32]) {
        let n = self.n;
        input.fill(0.0);
        for (w, past) in self.weights.iter().zip(history.chunks_exact(n)) {
            for (i, a_i) in input.iter_mut().enumerate() {
                let pre: f32 = past.iter().enumerate().map(|(j, &z_j)| z_j * w[j * n + i]).sum();
                *a_i += leaky_relu(pre);
            }
        }
    }

    /// eps_t for one unit at one step, from that unit's stream.
    pub(crate) fn noise(&self, streams: &Streams, unit: u64, step: u32, noise: &mut [f32]) {
        let mut rng = streams.unit(Draw::TransitionNoise, unit, step);
        noise.iter_mut().for_each(|eps| *eps = self.noise_std * standard_normal(&mut rng));
    }
}

/// One W: entries U(-1, 1), each column scaled to unit norm.
fn draw_weights(n: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let mut w: Vec<f32> = (0..n * n).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    for i in 0..n {
        let norm = (0..n).map(|j| w[j * n + i].powi(2)).sum::<f32>().sqrt();
        // A column is all zeros with probability zero; leaving it
        // unscaled then is the only sensible choice anyway.
        if norm > 0.0 {
            (0..n).for_each(|j| w[j * n + i] /= norm);
        }
    }
    w
}

/// How many reference draws set the condition-number threshold (TDRL's 10^4).
const REFERENCE_DRAWS: usize = 10_000;

/// The `quantile` of the condition numbers of [`REFERENCE_DRAWS`] draws.
fn condition_threshold(n: usize, quantile: f64, rng: &mut ChaCha8Rng) -> f64 {
    let mut conditions: Vec<f64> = (0..REFERENCE_DRAWS).map(|_| condition_number(&draw_weights(n, rng), n)).collect();
    conditions.sort_unstable_by(f64::total_cmp);
    // The smallest value with at least `quantile` of the draws at or below it.
    let k = ((quantile * REFERENCE_DRAWS as f64).ceil() as usize).clamp(1, REFERENCE_DRAWS);
    conditions[k - 1]
}

/// sigma_max / sigma_min of the n x n row-major matrix `w` (infinite if singular).
fn condition_number(w: &[f32], n: usize) -> f64 {
    let m = nalgebra::DMatrix::from_row_iterator(n, n, w.iter().map(|&x| f64::from(x)));
    let sv = m.singular_values();
    let (max, min) = sv.iter().fold((0.0f64, f64::INFINITY), |(hi, lo), &s| (hi.max(s), lo.min(s)));
    if min > 0.0 { max / min } else { f64::INFINITY }
}

/// Gathers every unit's noise and lagged input for this step.
fn drive(
    mut units: Query<(&UnitId, &DynamicLatents, &mut Drive)>,
    transition: Res<Transition>,
    streams: Res<Streams>,
    clock: Res<Clock>,
    parallelism: Res<Parallelism>,
) {
    let (transition, streams, step) = (&*transition, *streams, clock.step);
    for_each_unit(&mut units, *parallelism, move |(unit, latents, mut drive)| {
        let drive = &mut *drive;
        transition.noise(&streams, unit.0, step, &mut drive.noise);
        transition.lagged_input(latents.history(), &mut drive.input);
    });
}

/// Inserts the transition's parameters and its system.
pub(crate) fn plugin(transition: Transition) -> impl SimPlugin {
    move |world: &mut World, schedule: &mut Schedule| {
        world.insert_resource(transition.clone());
        schedule.add_systems(drive.in_set(Phase::Drive));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn columns_have_unit_norm_and_every_entry_is_an_edge() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let t = Transition::draw(3, 2, 0.1, 1.0, &mut rng, &mut ChaCha8Rng::seed_from_u64(2));
        for w in &t.weights {
            for i in 0..3 {
                let norm: f32 = (0..3).map(|j| w[j * 3 + i].powi(2)).sum();
                assert!((norm - 1.0).abs() < 1e-5);
            }
        }
        let edges = t.edges(2);
        assert_eq!(edges.len(), 18);
        assert!(edges.iter().all(|e| (2..5).contains(&e.from) && (2..5).contains(&e.to) && (1..=2).contains(&e.lag)));
    }

    #[test]
    fn the_filter_keeps_only_well_conditioned_weights() {
        let n = 6;
        let threshold = condition_threshold(n, 0.25, &mut ChaCha8Rng::seed_from_u64(3));
        // The 25th percentile lies between the best and the median draw.
        let median = condition_threshold(n, 0.5, &mut ChaCha8Rng::seed_from_u64(3));
        assert!(threshold > 1.0 && threshold < median, "{threshold} vs median {median}");
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let t = Transition::draw(n, 2, 0.1, 0.25, &mut rng, &mut ChaCha8Rng::seed_from_u64(3));
        assert!(t.weights.iter().all(|w| condition_number(w, n) <= threshold));
        // Quantile 1 keeps the first draw: the data of earlier versions.
        let kept = Transition::draw(n, 2, 0.1, 1.0, &mut ChaCha8Rng::seed_from_u64(4), &mut ChaCha8Rng::seed_from_u64(3));
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        assert_eq!(kept.weights, vec![draw_weights(n, &mut rng), draw_weights(n, &mut rng)]);
    }

    #[test]
    fn condition_number_of_known_matrices() {
        // diag(2, 0.5): 4; a rotation: 1; a singular matrix: infinite.
        assert!((condition_number(&[2.0, 0.0, 0.0, 0.5], 2) - 4.0).abs() < 1e-9);
        let (c, s) = (0.6f32, 0.8f32);
        assert!((condition_number(&[c, -s, s, c], 2) - 1.0).abs() < 1e-6);
        assert_eq!(condition_number(&[1.0, 2.0, 2.0, 4.0], 2), f64::INFINITY);
    }

    #[test]
    fn independent_transition_has_no_lagged_input_or_edges() {
        let t = Transition::independent(3, 0.1);
        let mut input = [9.0; 3];
        t.lagged_input(&[1.0, 2.0, 3.0], &mut input);
        assert_eq!(input, [0.0; 3]);
        assert!(t.edges(0).is_empty());
    }

    #[test]
    fn lagged_input_matches_the_formula() {
        let t = Transition { n: 2, weights: vec![vec![1.0, -1.0, 0.5, 2.0]], noise_std: 0.1 };
        // z W = [1 * 1 + 2 * 0.5, 1 * -1 + 2 * 2] = [2, 3]; z W = [-2, -3] for -z.
        let mut input = [9.0; 2];
        t.lagged_input(&[1.0, 2.0], &mut input);
        assert_eq!(input, [2.0, 3.0]);
        t.lagged_input(&[-1.0, -2.0], &mut input);
        assert!((input[0] + 0.4).abs() < 1e-6 && (input[1] + 0.6).abs() < 1e-6, "{input:?}");
    }
}
