//! The simulation world: a `bevy_ecs` [`World`] of scenes, the
//! [`Schedule`] whose every run is one step of the mechanisms, and the
//! plugin trait mechanisms use to register themselves, the same small
//! equivalent of bevy's `App` and `Plugin` as `latent-scm`'s world.
//!
//! A plugin is built once, before the first step: it may insert resources,
//! spawn scenes and add systems to a [`Phase`]. With `threads = 1` the
//! schedule runs single-threaded and per-scene systems iterate in order;
//! otherwise they use `par_iter_mut` on bevy's compute pool. Results never
//! depend on this: every draw comes from the scene's own streams.

use bevy_ecs::prelude::*;
use bevy_ecs::query::{IterQueryData, QueryFilter, QueryItem};
use bevy_ecs::schedule::{MultiThreadedExecutor, SingleThreadedExecutor};

use crate::stream::Streams;

/// A piece of the simulation: its resources, scenes and systems.
/// Implemented for every `Fn(&mut World, &mut Schedule)`.
pub(crate) trait SimPlugin {
    fn build(&self, world: &mut World, schedule: &mut Schedule);
}

impl<F: Fn(&mut World, &mut Schedule)> SimPlugin for F {
    fn build(&self, world: &mut World, schedule: &mut Schedule) {
        self(world, schedule)
    }
}

/// The phases of one step, in this order.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Phase {
    /// Every scene's latents take one step (interventions included).
    Transition,
    /// Scenes due for observation at this step are recorded.
    Observe,
}

/// The step being produced; step 0 is the initial state, before any
/// mechanism (and any intervention) has acted.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) step: u32,
}

fn after_initial_state(clock: Res<Clock>) -> bool {
    clock.step > 0
}

/// Whether per-scene systems run on one thread or on bevy's compute pool.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parallelism {
    Sequential,
    Parallel,
}

/// Runs `op` on every scene the query matches, sequentially or in parallel.
pub(crate) fn for_each_scene<'s, D, F, Op>(scenes: &mut Query<'_, 's, D, F>, parallelism: Parallelism, op: Op)
where
    D: IterQueryData,
    F: QueryFilter,
    Op: for<'a> Fn(QueryItem<'a, 's, D>) + Send + Sync + Clone,
{
    match parallelism {
        Parallelism::Sequential => scenes.iter_mut().for_each(op),
        Parallelism::Parallel => scenes.par_iter_mut().for_each(op),
    }
}

/// A world and the schedule that advances it, assembled from plugins.
pub(crate) struct SimWorld {
    world: World,
    schedule: Schedule,
}

impl SimWorld {
    pub(crate) fn new(seed: u64, threads: usize) -> Self {
        let parallelism = if threads == 1 { Parallelism::Sequential } else { Parallelism::Parallel };
        let mut world = World::new();
        world.insert_resource(Streams::new(seed));
        world.insert_resource(Clock::default());
        world.insert_resource(parallelism);
        let mut schedule = Schedule::default();
        match parallelism {
            Parallelism::Sequential => schedule.set_executor(SingleThreadedExecutor::new()),
            Parallelism::Parallel => schedule.set_executor(MultiThreadedExecutor::new()),
        };
        schedule.configure_sets((Phase::Transition, Phase::Observe).chain());
        schedule.configure_sets(Phase::Transition.run_if(after_initial_state));
        Self { world, schedule }
    }

    pub(crate) fn add_plugin(&mut self, plugin: &dyn SimPlugin) -> &mut Self {
        plugin.build(&mut self.world, &mut self.schedule);
        self
    }

    /// Runs steps 0 to `last`, one schedule run each.
    pub(crate) fn run(&mut self, last: u32) {
        for step in 0..=last {
            *self.world.resource_mut::<Clock>() = Clock { step };
            self.schedule.run(&mut self.world);
        }
    }

    pub(crate) fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }
}
