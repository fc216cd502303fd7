//! Violations of the sampling in time and of stationarity.
//!
//! `irregular_time_points`: time point k is observed at mechanism step
//! sigma_k, with gaps sigma_k - sigma_{k-1} = 1 + floor(strength * E_k),
//! E_k ~ Exp(1): the mean extra gap is about `strength` steps. Models see
//! the steps as the time values; at strength 0 every gap is 1.
//!
//! `sparse_time_points`: each unit misses each of its planned time points
//! with probability `strength`, drawn from its own stream; a unit that
//! would miss them all keeps one, chosen uniformly.
//!
//! `non_stationary`: the transition weights drift linearly with time,
//! W_l(step) = W_l + strength * (step / last step) * D_l, D_l entries
//! U(-1, 1) / sqrt(n): the mechanism at the last step differs by
//! `strength` from the first. D_l is dense, as W_l is, so the graph
//! (the union over time) is unchanged.

use bevy_ecs::prelude::*;
use rand::RngExt;
use rand_distr::Exp1;

use crate::scm::Mechanisms;
use crate::stream::{Draw, Streams};
use crate::transition::Transition;
use crate::unit::{Sampling, UnitId};
use crate::world::{Clock, Phase, SimPlugin, Timeline};

pub(super) fn irregular(strength: f64, streams: &Streams, m: &mut Mechanisms) {
    let mut rng = streams.mechanism(Draw::IrregularTime);
    let mut step = 0u32;
    for (k, sigma) in m.timeline.steps.iter_mut().enumerate() {
        if k > 0 {
            let extra: f64 = strength * rng.sample::<f64, _>(Exp1);
            step += 1 + extra.floor().min(f64::from(u16::MAX)) as u32;
        }
        *sigma = step;
    }
}

pub(super) fn sparse(strength: f64) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let streams = *world.resource::<Streams>();
        for (unit, mut sampling) in world.query::<(&UnitId, &mut Sampling)>().iter_mut(world) {
            let mut rng = streams.unit(Draw::SparseTime, unit.0, 0);
            let planned = std::mem::take(&mut sampling.0);
            let kept: Vec<u32> = planned.iter().copied().filter(|_| !rng.random_bool(strength)).collect();
            sampling.0 = if kept.is_empty() && !planned.is_empty() {
                vec![planned[rng.random_range(0..planned.len())]]
            } else {
                kept
            };
        }
    }
}

/// The weights at the first step and their drift per unit of strength.
#[derive(Resource, Clone, Debug, PartialEq)]
struct Drift {
    base: Vec<Vec<f32>>,
    direction: Vec<Vec<f32>>,
    strength: f32,
}

fn drift(mut transition: ResMut<Transition>, drift: Res<Drift>, clock: Res<Clock>, timeline: Res<Timeline>) {
    let fraction = drift.strength * clock.step as f32 / timeline.last_step().max(1) as f32;
    for (w, (base, direction)) in transition.weights.iter_mut().zip(drift.base.iter().zip(&drift.direction)) {
        w.iter_mut().zip(base.iter().zip(direction)).for_each(|(w, (b, d))| *w = b + fraction * d);
    }
}

pub(super) fn drift_plugin(strength: f64, m: &Mechanisms) -> impl SimPlugin + use<> {
    let base = m.transition.weights.clone();
    let n = m.transition.n;
    move |world: &mut World, schedule: &mut Schedule| {
        let mut rng = world.resource::<Streams>().mechanism(Draw::TransitionDrift);
        let scale = 1.0 / (n as f32).sqrt();
        let direction = base.iter().map(|w| w.iter().map(|_| scale * rng.random_range(-1.0f32..1.0)).collect()).collect();
        world.insert_resource(Drift { base: base.clone(), direction, strength: strength as f32 });
        schedule.add_systems(drift.in_set(Phase::Mechanism));
    }
}
