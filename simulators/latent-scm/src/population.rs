//! The population: spawning every unit with its initial latent state.
//!
//! Units are numbered condition by condition (`units_per_condition` each,
//! control first) and dealt to replicates round robin within a condition.
//! There is no batch effect yet: a replicate is only a label.

use bevy_ecs::prelude::*;

use crate::stream::{Draw, Streams, standard_normal};
use crate::unit::{Condition, DynamicLatents, Intervened, InvariantLatents, Record, Replicate, UnitId};
use crate::world::SimPlugin;

/// The sizes a population is spawned with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Population {
    pub(crate) invariant_latents: usize,
    pub(crate) dynamic_latents: usize,
    pub(crate) lags: usize,
    pub(crate) conditions: usize,
    pub(crate) units_per_condition: usize,
    pub(crate) replicates: u32,
}

impl Population {
    pub(crate) fn units(&self) -> usize {
        self.conditions * self.units_per_condition
    }

    /// The unit's condition and replicate.
    pub(crate) fn place(&self, unit: usize) -> (u32, u32) {
        let condition = unit / self.units_per_condition;
        let replicate = (unit % self.units_per_condition) as u32 % self.replicates;
        (condition as u32, replicate)
    }
}

/// Spawns every unit: s ~ N(0, I) and the first `lags` dynamic states
/// ~ N(0, I), each from the unit's own streams at time point 0.
pub(crate) fn plugin(population: Population) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let streams = *world.resource::<Streams>();
        for unit in 0..population.units() {
            let id = unit as u64;
            let (condition, replicate) = population.place(unit);
            let mut rng = streams.unit(Draw::InvariantLatents, id, 0);
            let s = (0..population.invariant_latents).map(|_| standard_normal(&mut rng)).collect();
            let mut rng = streams.unit(Draw::InitialHistory, id, 0);
            let history = (0..population.lags * population.dynamic_latents).map(|_| standard_normal(&mut rng)).collect();
            let mut entity = world.spawn((
                UnitId(id),
                Condition(condition),
                Replicate(replicate),
                InvariantLatents(s),
                DynamicLatents::new(population.dynamic_latents, history),
                Record::default(),
            ));
            if condition != 0 {
                entity.insert(Intervened);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_numbered_by_condition_and_dealt_to_replicates() {
        let population = Population {
            invariant_latents: 1,
            dynamic_latents: 1,
            lags: 1,
            conditions: 2,
            units_per_condition: 3,
            replicates: 2,
        };
        let places: Vec<_> = (0..population.units()).map(|u| population.place(u)).collect();
        assert_eq!(places, vec![(0, 0), (0, 1), (0, 0), (1, 0), (1, 1), (1, 0)]);
    }
}
