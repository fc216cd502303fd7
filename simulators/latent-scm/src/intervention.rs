//! Perturbations: which dynamic latents each target acts on, with what
//! effect, and the mechanisms they give each condition.
//!
//! Each target acts on `latents_per_target` dynamic latents chosen without
//! replacement (more under the `dense_targets` violation), with an effect
//! delta_i = random sign * effect_size * U(0.5, 1.5) per (target, latent)
//! and, for soft interventions, a gain r_i ~ U(-1, 1) from its own stream
//! (for shift-and-scale ones, a noise scale q_i log-uniform in [1/3, 3],
//! from a third stream, so that neither moves the other draws).
//! From time point 1 on, a perturbed unit's target latents follow
//! (see module `assignment`):
//!
//! - shift: LReLU(eps + a) + dose * delta (TDRL-style mechanism shift);
//! - do: the constant dose * delta, whatever the parents;
//! - soft: LReLU(eps + gain * a), gain = 1 + dose * (r - 1);
//! - shift_scale: LReLU(q^dose * eps + a) + dose * delta.
//!
//! A combination applies all its targets: shifts and do-values add where
//! two targets share a latent, soft gains and noise scales multiply.

use citebench_core::data::Perturbation;
use rand::RngExt;
use rand::seq::index;
use rand_chacha::ChaCha8Rng;

use crate::assignment::Mechanism;
use crate::config::InterventionKind;

/// What one target does to one dynamic latent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Effect {
    pub(crate) latent: usize,
    pub(crate) delta: f32,
    pub(crate) gain: f32,
    pub(crate) scale: f32,
}

/// The effects of every target, ascending by latent.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Interventions {
    pub(crate) n: usize,
    pub(crate) effects: Vec<Vec<Effect>>,
}

impl Interventions {
    /// Draws each target's latents and effects from `streams` (see [`EffectStreams`]).
    pub(crate) fn draw(n: usize, latents_per_target: usize, effect_size: f32, targets: u32, streams: &mut EffectStreams) -> Self {
        let effects = (0..targets)
            .map(|_| {
                let mut latents = index::sample(&mut streams.shifts, n, latents_per_target).into_vec();
                latents.sort_unstable();
                latents.into_iter().map(|latent| draw_effect(latent, effect_size, streams)).collect()
            })
            .collect();
        Self { n, effects }
    }

    /// Per target, the dynamic latents (numbered from 0) it acts on.
    pub(crate) fn target_latents(&self) -> Vec<Vec<usize>> {
        self.effects.iter().map(|effects| effects.iter().map(|e| e.latent).collect()).collect()
    }

    /// The mechanism of every dynamic latent in every condition.
    pub(crate) fn mechanisms(&self, conditions: &[Perturbation], kind: InterventionKind, dose: f32) -> Vec<Vec<Mechanism>> {
        conditions
            .iter()
            .map(|condition| {
                let mut mechanisms = vec![Mechanism::Observational; self.n];
                for &target in condition.targets() {
                    for effect in &self.effects[target as usize] {
                        let m = &mut mechanisms[effect.latent];
                        *m = combine(*m, kind, effect);
                    }
                }
                // Scaling by the dose once, after summing, keeps dose 1
                // bit-identical to no dose at all.
                mechanisms.iter_mut().for_each(|m| *m = with_dose(*m, dose));
                mechanisms
            })
            .collect()
    }
}

/// The random streams effects are drawn from: one per kind of parameter,
/// so that adding a kind of intervention never moves the draws of another.
pub(crate) struct EffectStreams {
    /// The latents each target acts on, and their deltas.
    pub(crate) shifts: ChaCha8Rng,
    /// The gains of soft interventions.
    pub(crate) gains: ChaCha8Rng,
    /// The noise scales of shift-and-scale interventions.
    pub(crate) scales: ChaCha8Rng,
}

/// One effect of a target on `latent`.
pub(crate) fn draw_effect(latent: usize, effect_size: f32, streams: &mut EffectStreams) -> Effect {
    let sign = if streams.shifts.random_bool(0.5) { 1.0 } else { -1.0 };
    let delta = sign * effect_size * streams.shifts.random_range(0.5f32..1.5);
    let gain = streams.gains.random_range(-1.0f32..1.0);
    let scale = streams.scales.random_range(-(3.0f32.ln())..3.0f32.ln()).exp();
    Effect { latent, delta, gain, scale }
}

/// Adds one target's effect to a latent's mechanism (before the dose).
fn combine(current: Mechanism, kind: InterventionKind, effect: &Effect) -> Mechanism {
    match (kind, current) {
        (InterventionKind::Shift, Mechanism::Shift(d)) => Mechanism::Shift(d + effect.delta),
        (InterventionKind::Shift, _) => Mechanism::Shift(effect.delta),
        (InterventionKind::Do, Mechanism::Do(v)) => Mechanism::Do(v + effect.delta),
        (InterventionKind::Do, _) => Mechanism::Do(effect.delta),
        (InterventionKind::Soft, Mechanism::Soft(g)) => Mechanism::Soft(g * effect.gain),
        (InterventionKind::Soft, _) => Mechanism::Soft(effect.gain),
        (InterventionKind::ShiftScale, Mechanism::ShiftScale { delta, scale }) => {
            Mechanism::ShiftScale { delta: delta + effect.delta, scale: scale * effect.scale }
        }
        (InterventionKind::ShiftScale, _) => Mechanism::ShiftScale { delta: effect.delta, scale: effect.scale },
    }
}

fn with_dose(mechanism: Mechanism, dose: f32) -> Mechanism {
    match mechanism {
        Mechanism::Observational => Mechanism::Observational,
        Mechanism::Shift(d) if dose == 1.0 => Mechanism::Shift(d),
        Mechanism::Shift(d) => Mechanism::Shift(dose * d),
        Mechanism::Do(v) if dose == 1.0 => Mechanism::Do(v),
        Mechanism::Do(v) => Mechanism::Do(dose * v),
        Mechanism::Soft(g) => Mechanism::Soft(1.0 + dose * (g - 1.0)),
        Mechanism::ShiftScale { delta, scale } if dose == 1.0 => Mechanism::ShiftScale { delta, scale },
        Mechanism::ShiftScale { delta, scale } => Mechanism::ShiftScale { delta: dose * delta, scale: scale.powf(dose) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn draw(kind_latents: usize) -> Interventions {
        let mut streams = EffectStreams {
            shifts: ChaCha8Rng::seed_from_u64(3),
            gains: ChaCha8Rng::seed_from_u64(4),
            scales: ChaCha8Rng::seed_from_u64(5),
        };
        Interventions::draw(5, kind_latents, 2.0, 2, &mut streams)
    }

    #[test]
    fn effects_are_sparse_sized_and_combine_per_kind() {
        let iv = draw(2);
        let conditions = [Perturbation::control(), Perturbation::new([0]), Perturbation::new([1]), Perturbation::new([0, 1])];
        for effects in &iv.effects {
            assert_eq!(effects.len(), 2);
            assert!(effects.iter().all(|e| (1.0..=3.0).contains(&e.delta.abs()) && e.gain.abs() <= 1.0));
            assert!(effects.iter().all(|e| (1.0 / 3.0 - 1e-6..=3.0 + 1e-6).contains(&e.scale)));
        }
        let shift = iv.mechanisms(&conditions, InterventionKind::Shift, 1.0);
        assert!(shift[0].iter().all(|m| *m == Mechanism::Observational));
        let delta = |c: usize, i: usize| match shift[c][i] {
            Mechanism::Shift(d) => d,
            _ => 0.0,
        };
        for i in 0..5 {
            assert_eq!(delta(3, i), delta(1, i) + delta(2, i));
        }
        let halved = iv.mechanisms(&conditions, InterventionKind::Do, 0.5);
        let e = iv.effects[0][0];
        assert_eq!(halved[1][e.latent], Mechanism::Do(0.5 * e.delta));
        let soft = iv.mechanisms(&conditions, InterventionKind::Soft, 0.0);
        assert_eq!(soft[1][e.latent], Mechanism::Soft(1.0));
        // Shift-and-scale: deltas add and scales multiply across a
        // combination; dose 0 is the observational mechanism's law.
        let both = iv.mechanisms(&conditions, InterventionKind::ShiftScale, 1.0);
        for i in 0..5 {
            let parts = |c: usize| match both[c][i] {
                Mechanism::ShiftScale { delta, scale } => (delta, scale),
                _ => (0.0, 1.0),
            };
            let ((d0, s0), (d1, s1), (d, s)) = (parts(1), parts(2), parts(3));
            assert_eq!(d, d0 + d1);
            assert!((s - s0 * s1).abs() < 1e-6);
        }
        let none = iv.mechanisms(&conditions, InterventionKind::ShiftScale, 0.0);
        assert_eq!(none[1][e.latent], Mechanism::ShiftScale { delta: 0.0, scale: 1.0 });
    }
}
