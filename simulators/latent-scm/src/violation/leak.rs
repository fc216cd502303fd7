//! `leaky_invariance`: the invariant block s is supposed to be untouched by
//! time and perturbations (CITE-VAE's alignment regulariser relies on it).
//! With strength s it leaks both ways:
//!
//! - time: every step moves s by strength * a / steps, a ~ N(0, I) drawn
//!   once, so by the last step every unit has drifted by strength * a;
//! - perturbation: at step 1, a perturbed unit's s moves by
//!   strength * sum over its targets of b_target, b ~ random sign * U(0.5, 1.5)
//!   per (target, invariant latent).
//!
//! The recorded latents show the moved s; the block labels stay
//! "invariant", since that is what a model is told to expect.

use bevy_ecs::prelude::*;
use rand::RngExt;
use rand_distr::StandardNormal;

use crate::config::LatentScmConfig;
use crate::scm::Mechanisms;
use crate::stream::{Draw, Streams};
use crate::unit::{Condition, InvariantLatents};
use crate::world::{Clock, Parallelism, Phase, SimPlugin, for_each_unit};

#[derive(Resource, Clone, Debug, PartialEq)]
struct Leak {
    /// Added to s at every step.
    per_step: Vec<f32>,
    /// Per condition, added to s at step 1.
    per_condition: Vec<Vec<f32>>,
}

fn leak(
    mut units: Query<(&Condition, &mut InvariantLatents)>,
    leak: Res<Leak>,
    clock: Res<Clock>,
    parallelism: Res<Parallelism>,
) {
    let (leak, first_step) = (&*leak, clock.step == 1);
    for_each_unit(&mut units, *parallelism, move |(condition, mut s)| {
        s.0.iter_mut().zip(&leak.per_step).for_each(|(s, d)| *s += d);
        if first_step {
            s.0.iter_mut().zip(&leak.per_condition[condition.0 as usize]).for_each(|(s, d)| *s += d);
        }
    });
}

pub(super) fn plugin(strength: f64, config: &LatentScmConfig, m: &Mechanisms) -> impl SimPlugin + use<> {
    let (m_inv, steps) = (config.invariant_latents, m.timeline.last_step().max(1));
    let conditions = m.design.conditions.clone();
    let targets = config.targets as usize;
    move |world: &mut World, schedule: &mut Schedule| {
        let mut rng = world.resource::<Streams>().mechanism(Draw::InvarianceLeak);
        let s = strength as f32;
        let per_step = (0..m_inv).map(|_| s * rng.sample::<f32, _>(StandardNormal) / steps as f32).collect();
        let per_target: Vec<Vec<f32>> = (0..targets)
            .map(|_| {
                (0..m_inv)
                    .map(|_| {
                        let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                        sign * rng.random_range(0.5f32..1.5)
                    })
                    .collect()
            })
            .collect();
        let per_condition = conditions
            .iter()
            .map(|c| {
                let mut total = vec![0.0f32; m_inv];
                for &t in c.targets() {
                    total.iter_mut().zip(&per_target[t as usize]).for_each(|(total, b)| *total += b);
                }
                total.into_iter().map(|b| s * b).collect()
            })
            .collect();
        world.insert_resource(Leak { per_step, per_condition });
        schedule.add_systems(leak.in_set(Phase::Settle));
    }
}
