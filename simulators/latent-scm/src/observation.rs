//! Observing units: at each time point, the units due for observation have
//! their true latents [s, z_t] recorded; units with nothing left to observe
//! leave the simulation (a snapshot's cell is destroyed by sequencing, and
//! simulating it further would only cost time). Features are computed from
//! the records once the dynamics are done (module `readout`).

use bevy_ecs::prelude::*;

use crate::unit::{Drive, DynamicLatents, InvariantLatents, Record, Sampling};
use crate::world::{Clock, Parallelism, Phase, SimPlugin, Timeline, for_each_unit};

/// Appends the latents of each unit observed at this time point to its [`Record`].
fn observe(
    mut units: Query<(&InvariantLatents, &DynamicLatents, &Sampling, &mut Record)>,
    clock: Res<Clock>,
    parallelism: Res<Parallelism>,
) {
    let Some(time_point) = clock.time_point else { return };
    for_each_unit(&mut units, *parallelism, move |(s, z, sampling, mut record)| {
        if sampling.includes(time_point) {
            record.time_points.push(time_point);
            record.latents.extend(s.0.iter().chain(z.current()));
        }
    });
}

/// Takes the state of every unit whose last observation is done, so no
/// later system visits it; its record stays.
fn harvest(
    units: Query<(Entity, &Sampling), With<DynamicLatents>>,
    clock: Res<Clock>,
    timeline: Res<Timeline>,
    mut commands: Commands,
) {
    // After the last step nothing runs: leaving every unit as it is costs nothing.
    let Some(time_point) = clock.time_point.filter(|_| clock.step < timeline.last_step()) else { return };
    for (entity, sampling) in &units {
        if sampling.done_after(time_point) {
            commands.entity(entity).remove::<(InvariantLatents, DynamicLatents, Drive)>();
        }
    }
}

/// Adds the recording and harvesting systems.
pub(crate) fn plugin() -> impl SimPlugin {
    |_: &mut World, schedule: &mut Schedule| {
        schedule.add_systems((observe.in_set(Phase::Observe), harvest.in_set(Phase::Harvest)));
    }
}
