//! The population: spawning every unit with its initial latent state and
//! its sampling plan.
//!
//! Units are numbered by the full table of conditions (`units_per_condition`
//! each, control first; see module `design`) and dealt to replicates round
//! robin within a condition. Every unit is spawned as a trajectory,
//! observed at every time point; the snapshot plugin then gives each unit
//! one time point, and violations may thin the plan further.

use bevy_ecs::prelude::*;

use crate::stream::{Draw, Streams, standard_normal};
use crate::unit::{Condition, Drive, DynamicLatents, InvariantLatents, Record, Replicate, Sampling, UnitId};
use crate::world::SimPlugin;

/// The sizes a population is spawned with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Population {
    pub(crate) invariant_latents: usize,
    pub(crate) dynamic_latents: usize,
    pub(crate) lags: usize,
    /// Per condition of the design, whether its units are simulated.
    pub(crate) simulated: Vec<bool>,
    pub(crate) units_per_condition: usize,
    pub(crate) replicates: u32,
    pub(crate) time_points: u32,
}

impl Population {
    /// The ids of every simulated unit, ascending.
    pub(crate) fn unit_ids(&self) -> impl Iterator<Item = u64> + '_ {
        let per = self.units_per_condition as u64;
        self.simulated
            .iter()
            .enumerate()
            .filter(|(_, simulated)| **simulated)
            .flat_map(move |(condition, _)| (condition as u64 * per)..(condition as u64 + 1) * per)
    }

    /// The unit's condition and replicate.
    pub(crate) fn place(&self, unit: u64) -> (u32, u32) {
        let per = self.units_per_condition as u64;
        ((unit / per) as u32, replicate_of(unit % per, self.replicates))
    }

    /// The time point a snapshot observes the unit at: units are dealt to
    /// replicates round robin, then within a replicate to time points, so
    /// every (condition, time point, replicate) group gets cells.
    pub(crate) fn snapshot_time(&self, unit: u64) -> u32 {
        let k = unit % self.units_per_condition as u64;
        ((k / u64::from(self.replicates)) % u64::from(self.time_points)) as u32
    }
}

fn replicate_of(k: u64, replicates: u32) -> u32 {
    (k % u64::from(replicates)) as u32
}

/// Spawns every unit: s ~ N(0, I) and the first `lags` dynamic states
/// ~ N(0, I), each from the unit's own streams at time point 0.
pub(crate) fn plugin(population: Population) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let streams = *world.resource::<Streams>();
        let all_time_points: Vec<u32> = (0..population.time_points).collect();
        let n = population.dynamic_latents;
        let units: Vec<_> = population
            .unit_ids()
            .map(|id| {
                let (condition, replicate) = population.place(id);
                let mut rng = streams.unit(Draw::InvariantLatents, id, 0);
                let s = (0..population.invariant_latents).map(|_| standard_normal(&mut rng)).collect();
                let mut rng = streams.unit(Draw::InitialHistory, id, 0);
                let history = (0..population.lags * n).map(|_| standard_normal(&mut rng)).collect();
                (
                    UnitId(id),
                    Condition(condition),
                    Replicate(replicate),
                    InvariantLatents(s),
                    DynamicLatents::new(n, history),
                    Drive::new(n),
                    Sampling(all_time_points.clone()),
                    Record::default(),
                )
            })
            .collect();
        world.spawn_batch(units);
    }
}

/// Destructive sampling: each unit is observed once, at its snapshot time.
pub(crate) fn snapshot_plugin(population: Population) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        for (unit, mut sampling) in world.query::<(&UnitId, &mut Sampling)>().iter_mut(world) {
            sampling.0 = vec![population.snapshot_time(unit.0)];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population(simulated: Vec<bool>) -> Population {
        Population {
            invariant_latents: 1,
            dynamic_latents: 1,
            lags: 1,
            simulated,
            units_per_condition: 6,
            replicates: 2,
            time_points: 3,
        }
    }

    #[test]
    fn units_keep_their_ids_when_a_condition_is_left_out() {
        let p = population(vec![true, false, true]);
        let ids: Vec<u64> = p.unit_ids().collect();
        assert_eq!(ids, vec![0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17]);
        assert_eq!(p.place(13), (2, 1));
    }

    #[test]
    fn snapshots_cover_every_time_point_in_every_replicate() {
        let p = population(vec![true]);
        let groups: Vec<(u32, u32)> = (0..6).map(|u| (p.place(u).1, p.snapshot_time(u))).collect();
        assert_eq!(groups, vec![(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)]);
    }
}
