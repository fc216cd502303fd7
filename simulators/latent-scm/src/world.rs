//! The simulation world: a `bevy_ecs` [`World`] of units, the [`Schedule`]
//! whose every run is one mechanism step, and the plugin trait that
//! mechanisms use to register themselves on both.
//!
//! citebench uses `bevy_ecs` without `bevy_app`, so this module is its small
//! equivalent of bevy's `App` and `Plugin`. A plugin's life is short: it is
//! built once, before the first time point, and may insert resources (its
//! parameters), spawn entities and add systems to one of the [`Phase`]s.
//! After that only the systems run. Keeping every mechanism behind this
//! seam is what lets a scenario swap one (an assumption-violating
//! transition, a confounder, a non-invertible mixing) without touching the
//! others.
//!
//! Parallelism. With `threads = 1` the schedule uses bevy's single-threaded
//! executor and per-unit systems iterate sequentially, never touching a
//! thread pool. Otherwise the multi-threaded executor runs and per-unit
//! systems use `par_iter_mut` on bevy's `ComputeTaskPool`. That pool is
//! process-global: the first user sizes it (bevy's default, which this crate
//! relies on, is one worker per core) and it lives until the process exits.
//! A crate cannot resize it, so `threads = k > 1` caps each per-unit system
//! at about `k` batches (hence about `k` busy workers) rather than building
//! a pool of `k` threads. Results never depend on any of this: every random
//! draw comes from a per-unit stream (see [`crate::stream`]).

use std::num::NonZeroUsize;

use bevy_ecs::batching::BatchingStrategy;
use bevy_ecs::prelude::*;
use bevy_ecs::query::{IterQueryData, QueryFilter, QueryItem};
use bevy_ecs::schedule::{MultiThreadedExecutor, SingleThreadedExecutor};

use crate::stream::Streams;

/// A piece of the simulation: its resources, entities and systems.
///
/// Implemented for every `Fn(&mut World, &mut Schedule)`, so the usual
/// plugin is a closure returned by a module's `plugin` function. Plugins
/// are built in the order they are added, so a later plugin can adjust
/// what an earlier one spawned or inserted.
pub(crate) trait SimPlugin {
    /// Registers the plugin's resources, entities and systems; called once,
    /// before the first time point.
    fn build(&self, world: &mut World, schedule: &mut Schedule);
}

impl<F: Fn(&mut World, &mut Schedule)> SimPlugin for F {
    fn build(&self, world: &mut World, schedule: &mut Schedule) {
        self(world, schedule)
    }
}

/// The phases of one mechanism step, run in this order.
#[derive(SystemSet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Phase {
    /// Mechanism parameters that change with time are updated (drift).
    Mechanism,
    /// The transition gathers each unit's noise and lagged input.
    Drive,
    /// Exogenous inputs add to the drive (a hidden confounder).
    Exogenous,
    /// The structural assignment solves for z_t, perturbations included.
    Assign,
    /// Anything that moves after the dynamic latents (leaky invariance).
    Settle,
    /// Units due for observation at this time point are recorded.
    Observe,
    /// Units with nothing left to observe leave the simulation.
    Harvest,
}

/// Where the schedule is: the mechanism step it is producing, and the
/// time point observed at this step, if any.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Clock {
    pub(crate) step: u32,
    pub(crate) time_point: Option<u32>,
}

/// Step 0 is the initial state, before any mechanism (and any
/// perturbation) has acted: only observation runs then.
fn after_initial_state(clock: Res<Clock>) -> bool {
    clock.step > 0
}

fn observing(clock: Res<Clock>) -> bool {
    clock.time_point.is_some()
}

/// The mechanism step at which each time point is observed: time point k
/// at step k unless the `irregular_time_points` violation spaces them out.
#[derive(Resource, Clone, Debug, PartialEq)]
pub(crate) struct Timeline {
    pub(crate) steps: Vec<u32>,
}

impl Timeline {
    pub(crate) fn regular(time_points: u32) -> Self {
        Self { steps: (0..time_points).collect() }
    }

    /// The last step simulated.
    pub(crate) fn last_step(&self) -> u32 {
        self.steps.last().copied().unwrap_or(0)
    }
}

/// How per-unit systems iterate over units.
#[derive(Resource, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Parallelism {
    /// One unit after another on the calling thread (`threads = 1`).
    Sequential,
    /// On bevy's compute pool; `max_batches` caps the batches per system
    /// (`threads = k > 1`), `None` lets bevy split by the pool's size.
    Parallel { max_batches: Option<NonZeroUsize> },
}

impl Parallelism {
    /// The iteration for a `threads` setting (0 = all cores, 1 = sequential).
    pub(crate) fn from_threads(threads: usize) -> Self {
        match threads {
            1 => Self::Sequential,
            0 => Self::Parallel { max_batches: None },
            k => Self::Parallel { max_batches: NonZeroUsize::new(k) },
        }
    }
}

/// Runs `op` on every unit the query matches, sequentially or on the compute
/// pool as `parallelism` says. `op` sees one unit at a time, so it must draw
/// its randomness from that unit's own streams.
pub(crate) fn for_each_unit<'s, D, F, Op>(units: &mut Query<'_, 's, D, F>, parallelism: Parallelism, op: Op)
where
    D: IterQueryData,
    F: QueryFilter,
    Op: for<'a> Fn(QueryItem<'a, 's, D>) + Send + Sync + Clone,
{
    match parallelism {
        Parallelism::Sequential => units.iter_mut().for_each(op),
        Parallelism::Parallel { max_batches: None } => units.par_iter_mut().for_each(op),
        Parallelism::Parallel { max_batches: Some(k) } => {
            let batch = units.count().div_ceil(k.get()).max(1);
            units.par_iter_mut().batching_strategy(BatchingStrategy::fixed(batch)).for_each(op)
        }
    }
}

/// A world and the schedule that advances it, assembled from plugins.
pub(crate) struct SimWorld {
    world: World,
    schedule: Schedule,
}

impl SimWorld {
    /// An empty world whose streams derive from `seed`, with the phases
    /// ordered and the executor chosen for `threads`.
    pub(crate) fn new(seed: u64, threads: usize) -> Self {
        let parallelism = Parallelism::from_threads(threads);
        let mut world = World::new();
        world.insert_resource(Streams::new(seed));
        world.insert_resource(Clock::default());
        world.insert_resource(parallelism);
        let mut schedule = Schedule::default();
        match parallelism {
            Parallelism::Sequential => schedule.set_executor(SingleThreadedExecutor::new()),
            Parallelism::Parallel { .. } => schedule.set_executor(MultiThreadedExecutor::new()),
        };
        schedule.configure_sets(
            (Phase::Mechanism, Phase::Drive, Phase::Exogenous, Phase::Assign, Phase::Settle, Phase::Observe, Phase::Harvest)
                .chain(),
        );
        for phase in [Phase::Mechanism, Phase::Drive, Phase::Exogenous, Phase::Assign, Phase::Settle] {
            schedule.configure_sets(phase.run_if(after_initial_state));
        }
        schedule.configure_sets((Phase::Observe, Phase::Harvest).run_if(observing));
        Self { world, schedule }
    }

    pub(crate) fn add_plugin(&mut self, plugin: &dyn SimPlugin) -> &mut Self {
        plugin.build(&mut self.world, &mut self.schedule);
        self
    }

    /// Runs every mechanism step of `timeline`, one schedule run each.
    pub(crate) fn run(&mut self, timeline: &Timeline) {
        self.world.insert_resource(timeline.clone());
        let mut next = 0;
        for step in 0..=timeline.last_step() {
            let observed = timeline.steps.get(next) == Some(&step);
            let time_point = observed.then_some(next as u32);
            next += usize::from(observed);
            *self.world.resource_mut::<Clock>() = Clock { step, time_point };
            self.schedule.run(&mut self.world);
        }
    }

    pub(crate) fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }
}
