//! The scenes' life: spawning each with its initial state and sampling
//! plan, stepping the mechanisms, and recording observations.
//!
//! Scenes are numbered by the table of conditions
//! (`condition * scenes_per_condition + k`) and dealt to replicates round
//! robin within a condition. The initial state is uniform over every
//! latent's range (`rot_gamma` 0 unless it moves), the class uniform over
//! the shapes, both from the scene's own stream.

use bevy_ecs::prelude::*;
use rand::RngExt;

use crate::latents::{Latent, SceneLatents};
use crate::mechanism::{Transition, uniform};
use crate::scene::{Class, Condition, Record, Replicate, Sampling, SceneId, State};
use crate::stream::{Draw, Streams};
use crate::world::{Clock, Parallelism, Phase, SimPlugin, for_each_scene};

/// The sizes a population of scenes is spawned with.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Population {
    /// Per condition, the latents it intervenes on.
    pub(crate) conditions: Vec<[bool; Latent::COUNT]>,
    pub(crate) scenes_per_condition: usize,
    pub(crate) replicates: u32,
    pub(crate) time_points: u32,
    pub(crate) classes: u32,
    pub(crate) rotation_gamma: bool,
    pub(crate) snapshots: bool,
}

impl Population {
    /// The time point a snapshot observes scene `k` of its condition at:
    /// dealt to replicates, then within a replicate to time points, so
    /// every (condition, time point, replicate) group gets scenes.
    fn snapshot_time(&self, k: u64) -> u32 {
        ((k / u64::from(self.replicates)) % u64::from(self.time_points)) as u32
    }
}

/// Spawns every scene.
pub(crate) fn spawn(population: Population) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let streams = *world.resource::<Streams>();
        let per = population.scenes_per_condition as u64;
        let all: Vec<u32> = (0..population.time_points).collect();
        let scenes: Vec<_> = (0..population.conditions.len() as u64 * per)
            .map(|id| {
                let (condition, k) = (id / per, id % per);
                let mut rng = streams.scene(Draw::InitialState, id, 0);
                let mut state = SceneLatents::default();
                for latent in Latent::ALL {
                    let moves = latent != Latent::RotGamma || population.rotation_gamma;
                    state.set(latent, if moves { uniform(latent, &mut rng) } else { 0.0 });
                }
                let class = rng.random_range(0..population.classes);
                let sampling = if population.snapshots { vec![population.snapshot_time(k)] } else { all.clone() };
                (
                    SceneId(id),
                    Condition { index: condition as u32, intervened: population.conditions[condition as usize] },
                    Replicate((k % u64::from(population.replicates)) as u32),
                    Class(class),
                    State(state),
                    Sampling(sampling),
                    Record::default(),
                )
            })
            .collect();
        world.spawn_batch(scenes);
    }
}

/// One step of every scene: the transition, with its condition's interventions.
fn step(
    mut scenes: Query<(&SceneId, &Condition, &Class, &mut State)>,
    transition: Res<Transition>,
    streams: Res<Streams>,
    clock: Res<Clock>,
    parallelism: Res<Parallelism>,
) {
    let (transition, streams, step) = (&*transition, *streams, clock.step);
    for_each_scene(&mut scenes, *parallelism, move |(id, condition, class, mut state)| {
        let mut noise = streams.scene(Draw::TransitionNoise, id.0, step);
        let mut values = streams.scene(Draw::InterventionValues, id.0, step);
        state.0 = transition.step(&state.0, class.0 as usize, &condition.intervened, &mut noise, &mut values);
    });
}

/// Records the state of each scene due for observation at this step.
fn observe(mut scenes: Query<(&State, &Sampling, &mut Record)>, clock: Res<Clock>, parallelism: Res<Parallelism>) {
    let step = clock.step;
    for_each_scene(&mut scenes, *parallelism, move |(state, sampling, mut record)| {
        if sampling.0.binary_search(&step).is_ok() {
            record.time_points.push(step);
            record.states.push(state.0);
        }
    });
}

/// The transition (a resource) and the stepping and recording systems.
pub(crate) fn mechanisms(transition: Transition) -> impl SimPlugin {
    move |world: &mut World, schedule: &mut Schedule| {
        world.insert_resource(transition.clone());
        schedule.add_systems((step.in_set(Phase::Transition), observe.in_set(Phase::Observe)));
    }
}
