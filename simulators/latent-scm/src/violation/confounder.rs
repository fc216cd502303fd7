//! `latent_confounder`: a hidden variable c (not a latent column) drives
//! several dynamic latents at once, so their noises are no longer
//! independent given the past, which temporal identifiability assumes.
//!
//! max(2, n / 2) dynamic latents (all of them if n < 2) are chosen, each
//! with a loading gamma_i = random sign * U(0.5, 1.5). At every step each
//! unit draws c ~ N(0, 1) from its own stream and its confounded latents'
//! inputs get strength * gamma_i * c before the structural assignment.
//! The confounded latents are reported in the simulation's notes (and in
//! the h5ad's `uns`). At strength 0 no loading is kept.

use bevy_ecs::prelude::*;
use rand::RngExt;
use rand::seq::index;

use crate::scm::Mechanisms;
use crate::stream::{Draw, Streams, standard_normal};
use crate::unit::{Drive, UnitId};
use crate::world::{Clock, Parallelism, Phase, SimPlugin, for_each_unit};

/// The loadings of the confounder on the latents it drives.
#[derive(Resource, Clone, Debug, PartialEq)]
struct Confounder {
    loadings: Vec<(usize, f32)>,
}

pub(super) fn adjust(strength: f64, streams: &Streams, m: &mut Mechanisms) {
    let n = m.transition.n;
    let mut rng = streams.mechanism(Draw::ConfounderLoadings);
    let mut latents = index::sample(&mut rng, n, (n / 2).max(2).min(n)).into_vec();
    latents.sort_unstable();
    m.confounder = latents
        .into_iter()
        .map(|i| {
            let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
            (i, strength as f32 * sign * rng.random_range(0.5f32..1.5))
        })
        .filter(|(_, gamma)| *gamma != 0.0)
        .collect();
}

fn confound(
    mut units: Query<(&UnitId, &mut Drive)>,
    confounder: Res<Confounder>,
    streams: Res<Streams>,
    clock: Res<Clock>,
    parallelism: Res<Parallelism>,
) {
    let (confounder, streams, step) = (&*confounder, *streams, clock.step);
    for_each_unit(&mut units, *parallelism, move |(unit, mut drive)| {
        let c = standard_normal(&mut streams.unit(Draw::Confounder, unit.0, step));
        for &(i, gamma) in &confounder.loadings {
            drive.input[i] += gamma * c;
        }
    });
}

pub(super) fn plugin(m: &Mechanisms) -> impl SimPlugin + use<> {
    let loadings = m.confounder.clone();
    move |world: &mut World, schedule: &mut Schedule| {
        world.insert_resource(Confounder { loadings: loadings.clone() });
        schedule.add_systems(confound.in_set(Phase::Exogenous));
    }
}
