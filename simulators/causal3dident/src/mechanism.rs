//! The temporal mechanisms of temporal Causal3DIdent (CITRIS): each step
//! moves every latent half-way toward a goal set by its causal parents,
//! plus Gaussian noise; an intervention replaces a latent by a uniform draw
//! from its range.
//!
//! Goals (parents at the previous step; module docs of the crate list the
//! graph):
//!
//! | latent | goal |
//! | --- | --- |
//! | pos_x | 1.5 sin(rot_beta) |
//! | pos_y | 1.5 sin(rot_alpha) |
//! | pos_z | 1.5 cos(rot_alpha) |
//! | rot_alpha | background_hue |
//! | rot_beta | object_hue |
//! | rot_gamma | itself (a random walk; held at 0 unless enabled) |
//! | spot_angle | atan2(pos_x, pos_y) |
//! | object_hue | set by the class: a fixed hue, or from both other hues |
//! | spot_hue | 2 pi - background_hue |
//! | background_hue | itself (a random walk) |
//!
//! Angles step along the shorter arc and wrap into [0, 2 pi); positions
//! that would leave [-2, 2] redraw their noise (a truncated Gaussian).
//! With `instantaneous` > 0 (the `instantaneous_effects` violation, as in
//! CITRIS's instantaneous variant) each goal is moved by that fraction
//! toward the goal of the parents' values at the same step, so latents are
//! computed in causal order.

use std::f32::consts::{PI, TAU};

use bevy_ecs::prelude::Resource;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::latents::{Latent, POSITION_RANGE, SceneLatents, wrap_angle};
use crate::mesh::Shape;

/// Latents in an order where every parent precedes its children (same-step
/// effects follow it).
pub const CAUSAL_ORDER: [Latent; Latent::COUNT] = [
    Latent::BackgroundHue,
    Latent::SpotHue,
    Latent::ObjectHue,
    Latent::RotAlpha,
    Latent::RotBeta,
    Latent::RotGamma,
    Latent::PosX,
    Latent::PosY,
    Latent::PosZ,
    Latent::SpotAngle,
];

/// The parents of each latent's goal (besides itself, which every step
/// starts from); `object_hue`'s parents depend on the classes in play.
pub fn parents(latent: Latent, hue_from_others: bool) -> &'static [Latent] {
    match latent {
        Latent::PosX => &[Latent::RotBeta],
        Latent::PosY | Latent::PosZ => &[Latent::RotAlpha],
        Latent::RotAlpha => &[Latent::BackgroundHue],
        Latent::RotBeta => &[Latent::ObjectHue],
        Latent::SpotAngle => &[Latent::PosX, Latent::PosY],
        Latent::ObjectHue if hue_from_others => &[Latent::SpotHue, Latent::BackgroundHue],
        Latent::SpotHue => &[Latent::BackgroundHue],
        Latent::RotGamma | Latent::ObjectHue | Latent::BackgroundHue => &[],
    }
}

/// How a class sets the object's hue goal (CITRIS gives each of its seven
/// shapes a fixed hue, or one computed from the two other hues).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HueGoal {
    Fixed(f32),
    /// The circular mean of the spotlight's and the background's hues.
    MeanOfOthers,
    /// Opposite that mean.
    OppositeMeanOfOthers,
}

impl HueGoal {
    pub fn of(shape: Shape) -> Self {
        match shape {
            Shape::Teapot => HueGoal::Fixed(0.0),
            Shape::Horn => HueGoal::Fixed(TAU / 5.0),
            Shape::Blob => HueGoal::MeanOfOthers,
            Shape::Knot => HueGoal::OppositeMeanOfOthers,
        }
    }

    pub fn reads_other_hues(self) -> bool {
        !matches!(self, HueGoal::Fixed(_))
    }
}

/// The transition's parameters, a resource of the world.
#[derive(Resource, Clone, Debug, PartialEq)]
pub struct Transition {
    pub position_noise: f32,
    pub angle_noise: f32,
    /// Per class, how it sets the object's hue goal.
    pub hue_goals: Vec<HueGoal>,
    /// Whether `rot_gamma` moves (else it stays at 0).
    pub rotation_gamma: bool,
    /// Fraction of each goal taken from same-step parents (0 = lagged only).
    pub instantaneous: f32,
}

/// The signed shortest turn from angle `from` to angle `to`, in [-pi, pi).
fn turn(from: f32, to: f32) -> f32 {
    (to - from + PI).rem_euclid(TAU) - PI
}

fn circular_mean(a: f32, b: f32) -> f32 {
    wrap_angle((a.sin() + b.sin()).atan2(a.cos() + b.cos()))
}

/// The goal of `latent` given the parents' values in `s`.
fn goal(latent: Latent, s: &SceneLatents, hue_goal: HueGoal) -> f32 {
    use Latent::*;
    match latent {
        PosX => 1.5 * s.get(RotBeta).sin(),
        PosY => 1.5 * s.get(RotAlpha).sin(),
        PosZ => 1.5 * s.get(RotAlpha).cos(),
        RotAlpha => s.get(BackgroundHue),
        RotBeta => s.get(ObjectHue),
        RotGamma => s.get(RotGamma),
        SpotAngle => wrap_angle(s.get(PosX).atan2(s.get(PosY))),
        ObjectHue => match hue_goal {
            HueGoal::Fixed(h) => h,
            HueGoal::MeanOfOthers => circular_mean(s.get(SpotHue), s.get(BackgroundHue)),
            HueGoal::OppositeMeanOfOthers => wrap_angle(PI + circular_mean(s.get(SpotHue), s.get(BackgroundHue))),
        },
        SpotHue => wrap_angle(TAU - s.get(BackgroundHue)),
        BackgroundHue => s.get(BackgroundHue),
    }
}

/// A uniform draw from the latent's range.
pub fn uniform(latent: Latent, rng: &mut impl Rng) -> f32 {
    let (lo, hi) = latent.range();
    let v = lo + (hi - lo) * rng.random::<f32>();
    if latent.is_angle() { wrap_angle(v) } else { v.clamp(lo, hi) }
}

impl Transition {
    /// The next state of a scene of class `class` in state `prev`. Latents
    /// in `intervened` are set to a uniform draw from `values`; the others
    /// step toward their goals with noise from `noise`.
    pub fn step(
        &self,
        prev: &SceneLatents,
        class: usize,
        intervened: &[bool; Latent::COUNT],
        noise: &mut impl Rng,
        values: &mut impl Rng,
    ) -> SceneLatents {
        let hue_goal = self.hue_goals[class];
        // Every step draws one normal per latent in index order, whatever is
        // intervened, so an intervention leaves the other latents' noise alone.
        let eps: [f32; Latent::COUNT] = std::array::from_fn(|_| noise.sample(StandardNormal));
        let mut next = *prev;
        for latent in CAUSAL_ORDER {
            let i = latent as usize;
            if latent == Latent::RotGamma && !self.rotation_gamma {
                continue;
            }
            if intervened[i] {
                next.values[i] = uniform(latent, values);
                continue;
            }
            let mut target = goal(latent, prev, hue_goal);
            if self.instantaneous > 0.0 {
                let same_step = goal(latent, &next, hue_goal);
                target = if latent.is_angle() {
                    wrap_angle(target + self.instantaneous * turn(target, same_step))
                } else {
                    target + self.instantaneous * (same_step - target)
                };
            }
            let current = prev.values[i];
            next.values[i] = if latent.is_angle() {
                wrap_angle(current + 0.5 * turn(current, target) + self.angle_noise * eps[i])
            } else {
                self.truncated_step(current, 0.5 * (target - current), eps[i], noise)
            };
        }
        next
    }

    /// current + half_step + noise, the noise redrawn while the result
    /// leaves [-2, 2]; after many tries (a goal far outside, impossible
    /// here) it is clamped.
    fn truncated_step(&self, current: f32, half_step: f32, first: f32, noise: &mut impl Rng) -> f32 {
        let mut v = current + half_step + self.position_noise * first;
        for _ in 0..64 {
            if v.abs() <= POSITION_RANGE {
                return v;
            }
            v = current + half_step + self.position_noise * noise.sample::<f32, _>(StandardNormal);
        }
        v.clamp(-POSITION_RANGE, POSITION_RANGE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn transition(noise: f32) -> Transition {
        Transition {
            position_noise: noise,
            angle_noise: noise,
            hue_goals: vec![HueGoal::Fixed(0.0), HueGoal::MeanOfOthers],
            rotation_gamma: false,
            instantaneous: 0.0,
        }
    }

    #[test]
    fn without_noise_each_latent_moves_half_way_to_its_goal() {
        let s = SceneLatents { values: [0.5, -1.0, 1.0, 1.0, 2.0, 0.0, 3.0, 6.0, 1.0, 5.9] };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let next = transition(0.0).step(&s, 0, &[false; 10], &mut rng.clone(), &mut rng);
        let want_x = 0.5 + 0.5 * (1.5 * 2.0f32.sin() - 0.5);
        assert!((next.get(Latent::PosX) - want_x).abs() < 1e-6);
        // Object hue 6.0 heads for 0 across the wrap: half of 0.283.
        let want_hue = wrap_angle(6.0 + 0.5 * (TAU - 6.0));
        assert!((next.get(Latent::ObjectHue) - want_hue).abs() < 1e-5, "{}", next.get(Latent::ObjectHue));
        // Spot hue heads for 2 pi - 5.9 = 0.383 from 1.0.
        assert!((next.get(Latent::SpotHue) - (1.0 + 0.5 * (TAU - 5.9 - 1.0))).abs() < 1e-5);
        // rot_gamma stays at 0 when disabled; the background is its own goal.
        assert_eq!(next.get(Latent::RotGamma), 0.0);
        assert!((next.get(Latent::BackgroundHue) - 5.9).abs() < 1e-6);
        // The blob's hue goal is the circular mean of 1.0 and 5.9: about 0.3.
        let blob = transition(0.0).step(&s, 1, &[false; 10], &mut rng.clone(), &mut rng);
        let mean = circular_mean(1.0, 5.9);
        assert!((mean - wrap_angle((1.0 + 5.9 - TAU) / 2.0)).abs() < 1e-5, "{mean}");
        assert!((blob.get(Latent::ObjectHue) - wrap_angle(6.0 + 0.5 * turn(6.0, mean))).abs() < 1e-5);
    }

    #[test]
    fn an_intervened_latent_ignores_its_parents_and_the_rest_do_not_notice() {
        let s = SceneLatents { values: [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0] };
        let t = transition(0.1);
        let mut intervened = [false; 10];
        let plain = t.step(&s, 0, &intervened, &mut ChaCha8Rng::seed_from_u64(2), &mut ChaCha8Rng::seed_from_u64(3));
        intervened[Latent::BackgroundHue as usize] = true;
        let done = t.step(&s, 0, &intervened, &mut ChaCha8Rng::seed_from_u64(2), &mut ChaCha8Rng::seed_from_u64(3));
        for latent in Latent::ALL.into_iter().filter(|&l| l != Latent::BackgroundHue) {
            assert_eq!(plain.get(latent), done.get(latent), "{latent:?}");
        }
        assert_ne!(plain.get(Latent::BackgroundHue), done.get(Latent::BackgroundHue));
    }
}
