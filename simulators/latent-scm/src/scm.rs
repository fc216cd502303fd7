//! One simulation: the mechanisms drawn for a configuration and seed (and
//! adjusted by the violations), the world assembled from their plugins, and
//! the output read back from the units' records.

use std::time::Instant;

use bevy_ecs::prelude::*;
use citebench_core::config::ConfigError;
use citebench_core::simulator::SimulatorError;

use crate::assignment::{self, Assignment, Contemporaneous, PostNonlinearity};
use crate::config::{LatentScmConfig, ObservationMode, TransitionKind};
use crate::design::Design;
use crate::intervention::{EffectStreams, Interventions};
use crate::mixing::Mixing;
use crate::output::{Detailed, Profile};
use crate::population::{self, Population};
use crate::readout::{self, Readout, ReadoutTimes, RowKey, Rows};
use crate::stream::{Draw, Streams};
use crate::transition::{self, Transition};
use crate::unit::{Condition, Record, Replicate, UnitId};
use crate::violation;
use crate::world::{Parallelism, SimPlugin, SimWorld, Timeline};
use crate::{assemble, counting, observation};

/// The parameters of every mechanism, as drawn and then adjusted by the
/// violations that act on parameters rather than on the running world.
#[derive(Clone, Debug)]
pub(crate) struct Mechanisms {
    pub(crate) design: Design,
    pub(crate) transition: Transition,
    pub(crate) interventions: Interventions,
    pub(crate) contemporaneous: Contemporaneous,
    pub(crate) mixing: Mixing,
    pub(crate) timeline: Timeline,
    /// Dynamic latents (numbered from 0) driven by a hidden confounder,
    /// with their loadings.
    pub(crate) confounder: Vec<(usize, f32)>,
    /// Latent directions the mixing forgets.
    pub(crate) collapsed: Vec<Vec<f32>>,
}

/// A validated configuration with its mechanisms drawn.
#[derive(Clone, Debug)]
pub(crate) struct Scm {
    pub(crate) config: LatentScmConfig,
    pub(crate) seed: u64,
    pub(crate) mechanisms: Mechanisms,
}

impl Scm {
    pub(crate) fn new(config: &LatentScmConfig, seed: u64) -> Result<Self, ConfigError> {
        let design = config.design()?;
        let streams = Streams::new(seed);
        let n = config.dynamic_latents;
        let noise = config.transition_noise as f32;
        let transition = match config.transition {
            TransitionKind::Lagged => Transition::draw(
                n,
                config.lags,
                noise,
                config.transition_condition_quantile,
                &mut streams.mechanism(Draw::TransitionWeights),
                &mut streams.mechanism(Draw::TransitionConditioning),
            ),
            TransitionKind::Independent => Transition::independent(n, noise),
        };
        let interventions = Interventions::draw(
            n,
            config.latents_per_target,
            config.effect_size as f32,
            config.targets,
            &mut EffectStreams {
                shifts: streams.mechanism(Draw::InterventionShifts),
                gains: streams.mechanism(Draw::SoftGains),
                scales: streams.mechanism(Draw::NoiseScales),
            },
        );
        let mixing = Mixing::draw(
            config.invariant_latents + n,
            config.observed,
            config.mixing_layers,
            config.mixing_first_layer,
            &mut streams.mechanism(Draw::Mixing),
        );
        let mut mechanisms = Mechanisms {
            design,
            transition,
            interventions,
            contemporaneous: Contemporaneous::none(n),
            mixing,
            timeline: Timeline::regular(config.time_points),
            confounder: Vec::new(),
            collapsed: Vec::new(),
        };
        for v in &config.violations {
            violation::adjust(v, config, &streams, &mut mechanisms);
        }
        Ok(Self { config: config.clone(), seed, mechanisms })
    }

    pub(crate) fn population(&self) -> Population {
        Population {
            invariant_latents: self.config.invariant_latents,
            dynamic_latents: self.config.dynamic_latents,
            lags: self.config.lags,
            simulated: self.mechanisms.design.simulated.clone(),
            units_per_condition: self.config.units_per_condition,
            replicates: self.config.replicates,
            time_points: self.config.time_points,
        }
    }

    pub(crate) fn assignment(&self) -> Assignment {
        let m = &self.mechanisms;
        Assignment {
            contemporaneous: m.contemporaneous.clone(),
            mechanisms: m.interventions.mechanisms(&m.design.conditions, self.config.intervention, self.config.dose as f32),
            post: match self.config.transition {
                TransitionKind::Lagged => PostNonlinearity::LeakyRelu,
                TransitionKind::Independent => PostNonlinearity::Identity,
            },
        }
    }

    /// Every plugin of the configured model, violations last so that they
    /// can adjust what the others spawned and inserted.
    pub(crate) fn plugins(&self) -> Vec<Box<dyn SimPlugin>> {
        let c = &self.config;
        let mut plugins: Vec<Box<dyn SimPlugin>> = vec![Box::new(population::plugin(self.population()))];
        if c.observation_mode != ObservationMode::Trajectories {
            plugins.push(Box::new(population::snapshot_plugin(self.population())));
        }
        plugins.push(Box::new(transition::plugin(self.mechanisms.transition.clone())));
        plugins.push(Box::new(assignment::plugin(self.assignment())));
        plugins.push(Box::new(observation::plugin()));
        plugins.push(Box::new(readout::plugin(self.mechanisms.mixing.clone(), c.observation_noise as f32)));
        if let Some(counts) = &c.counts {
            plugins.push(Box::new(counting::plugin(counts.clone(), c.observed)));
        }
        plugins.extend(c.violations.iter().filter_map(|v| violation::plugin(v, c, &self.mechanisms)));
        plugins
    }

    /// The model as configured.
    pub(crate) fn simulate(&self) -> Result<Detailed, SimulatorError> {
        self.run(&self.plugins())
    }

    /// Runs a world built from `plugins` through every step and reads the
    /// simulation back from the units' records.
    pub(crate) fn run(&self, plugins: &[Box<dyn SimPlugin>]) -> Result<Detailed, SimulatorError> {
        let mut profile = Profile::default();
        let start = Instant::now();
        let mut sim = SimWorld::new(self.seed, self.config.threads);
        for plugin in plugins {
            sim.add_plugin(plugin.as_ref());
        }
        let built = Instant::now();
        sim.run(&self.mechanisms.timeline);
        let ran = Instant::now();
        let world = sim.world_mut();
        let rows = self.rows(world);
        let readout = world
            .remove_resource::<Readout>()
            .ok_or_else(|| SimulatorError::Failed("no readout plugin was added to the world".into()))?;
        let times = ReadoutTimes::default();
        let x = readout.run(&rows, world.resource::<Streams>(), *world.resource::<Parallelism>(), &times);
        let read = Instant::now();
        let (simulation, notes) = assemble::output(self, rows, x)?;
        profile.setup_s = (built - start).as_secs_f64();
        profile.dynamics_s = (ran - built).as_secs_f64();
        profile.readout_s = (read - ran).as_secs_f64();
        profile.assembly_s = read.elapsed().as_secs_f64();
        let cpu = |ns: &std::sync::atomic::AtomicU64| ns.load(std::sync::atomic::Ordering::Relaxed) as f64 * 1e-9;
        profile.mixing_cpu_s = cpu(&times.mixing_ns);
        profile.counts_cpu_s = cpu(&times.counts_ns);
        profile.noise_cpu_s = cpu(&times.other_ns);
        Ok(Detailed { simulation, notes, profile })
    }

    /// Every recorded row, ordered by unit id, then time point.
    fn rows(&self, world: &mut World) -> Rows {
        // The records are taken, not cloned: the world is done with them.
        let mut units: Vec<(UnitId, Condition, Replicate, Record)> = world
            .query::<(&UnitId, &Condition, &Replicate, &mut Record)>()
            .iter_mut(world)
            .map(|(u, c, r, mut record)| (*u, *c, *r, std::mem::take(&mut *record)))
            .collect();
        units.sort_unstable_by_key(|(u, ..)| *u);
        let mut rows = Rows::default();
        for (id, condition, replicate, record) in units {
            for &time_point in &record.time_points {
                rows.keys.push(RowKey { unit: id.0, time_point, replicate: replicate.0 });
                rows.condition.push(condition.0);
            }
            rows.latents.extend(record.latents);
        }
        rows
    }
}
