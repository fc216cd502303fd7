//! Observing units: x = g([s, z_t]) + N(0, observation_noise^2 I), recorded
//! with the true latents at every time point.

use bevy_ecs::prelude::*;

use crate::mixing::Mixing;
use crate::stream::{Draw, Streams, standard_normal};
use crate::unit::{DynamicLatents, InvariantLatents, Record, UnitId};
use crate::world::{Clock, Parallelism, Phase, SimPlugin, for_each_unit};

/// How latents become observations: a resource of the world.
#[derive(Resource, Clone, Debug, PartialEq)]
pub(crate) struct Observation {
    pub(crate) mixing: Mixing,
    pub(crate) noise_std: f32,
}

/// Appends each unit's observation and true latents at this time point to
/// its [`Record`].
fn observe(
    mut units: Query<(&UnitId, &InvariantLatents, &DynamicLatents, &mut Record)>,
    observation: Res<Observation>,
    streams: Res<Streams>,
    clock: Res<Clock>,
    parallelism: Res<Parallelism>,
) {
    let (observation, streams, time_point) = (&*observation, *streams, clock.time_point);
    for_each_unit(&mut units, *parallelism, move |(unit, s, z, mut record)| {
        let latents: Vec<f32> = s.0.iter().chain(z.current()).copied().collect();
        let mut rng = streams.unit(Draw::ObservationNoise, unit.0, time_point);
        let x = observation.mixing.apply(&latents);
        record.x.extend(x.into_iter().map(|x| x + observation.noise_std * standard_normal(&mut rng)));
        record.latents.extend(latents);
    });
}

/// Inserts the mixing and the recording system.
pub(crate) fn plugin(observation: Observation) -> impl SimPlugin {
    move |world: &mut World, schedule: &mut Schedule| {
        world.insert_resource(observation.clone());
        schedule.add_systems(observe.in_set(Phase::Observation));
    }
}
