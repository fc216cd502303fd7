//! One simulation: the mechanisms drawn for a configuration and seed, the
//! world assembled from their plugins, and the [`Simulation`] read back from
//! the units' records.

use bevy_ecs::prelude::*;
use citebench_core::config::ConfigError;
use citebench_core::data::{
    Dataset, GroundTruth, LatentBlock, LatentGraph, Matrix, Observations, Simulation,
};
use citebench_core::simulator::SimulatorError;

use crate::config::{Design, LatentScmConfig};
use crate::intervention::{self, Interventions};
use crate::mixing::Mixing;
use crate::observation::{self, Observation};
use crate::population::{self, Population};
use crate::stream::{Draw, Streams};
use crate::transition::{self, Transition};
use crate::unit::{Condition, Record, Replicate, UnitId};
use crate::world::{SimPlugin, SimWorld};

/// A validated configuration with its mechanisms drawn.
#[derive(Clone, Debug)]
pub(crate) struct Scm {
    pub(crate) config: LatentScmConfig,
    pub(crate) design: Design,
    pub(crate) seed: u64,
    pub(crate) transition: Transition,
    pub(crate) interventions: Interventions,
    pub(crate) observation: Observation,
}

impl Scm {
    pub(crate) fn new(config: &LatentScmConfig, seed: u64) -> Result<Self, ConfigError> {
        let design = config.design()?;
        let streams = Streams::new(seed);
        let n = config.dynamic_latents;
        let transition =
            Transition::draw(n, config.lags, config.transition_noise as f32, &mut streams.mechanism(Draw::TransitionWeights));
        let interventions = Interventions::draw(
            n,
            config.latents_per_target,
            config.effect_size as f32,
            config.targets,
            &design.conditions,
            &mut streams.mechanism(Draw::InterventionShifts),
        );
        let mixing = Mixing::draw(
            config.invariant_latents + n,
            config.observed,
            config.mixing_layers,
            &mut streams.mechanism(Draw::Mixing),
        );
        let observation = Observation { mixing, noise_std: config.observation_noise as f32 };
        Ok(Self { config: config.clone(), design, seed, transition, interventions, observation })
    }

    pub(crate) fn population(&self) -> Population {
        Population {
            invariant_latents: self.config.invariant_latents,
            dynamic_latents: self.config.dynamic_latents,
            lags: self.config.lags,
            conditions: self.design.conditions.len(),
            units_per_condition: self.config.units_per_condition,
            replicates: self.config.replicates,
        }
    }

    /// The model as configured: population, transition, intervention, observation.
    pub(crate) fn simulate(&self) -> Result<Simulation, SimulatorError> {
        self.run(&[
            &population::plugin(self.population()),
            &transition::plugin(self.transition.clone()),
            &intervention::plugin(self.interventions.clone()),
            &observation::plugin(self.observation.clone()),
        ])
    }

    /// Runs a world built from `plugins` through every time point and reads
    /// the simulation back from the units' records.
    pub(crate) fn run(&self, plugins: &[&dyn SimPlugin]) -> Result<Simulation, SimulatorError> {
        let mut sim = SimWorld::new(self.seed, self.config.threads);
        for plugin in plugins {
            sim.add_plugin(*plugin);
        }
        sim.run(self.config.time_points);
        self.read_back(sim.world_mut())
    }

    /// Rows ordered by unit id, then time point.
    fn read_back(&self, world: &mut World) -> Result<Simulation, SimulatorError> {
        // The records are taken, not cloned: the world is done with them.
        let mut units: Vec<(UnitId, Condition, Replicate, Record)> = world
            .query::<(&UnitId, &Condition, &Replicate, &mut Record)>()
            .iter_mut(world)
            .map(|(u, c, r, mut record)| (*u, *c, *r, std::mem::take(&mut *record)))
            .collect();
        units.sort_unstable_by_key(|(u, ..)| *u);
        let c = &self.config;
        let t_count = c.time_points as usize;
        let latents = c.invariant_latents + c.dynamic_latents;
        let rows = units.len() * t_count;
        let mut x = Vec::with_capacity(rows * c.observed);
        let mut truth = Vec::with_capacity(rows * latents);
        let (mut time_point, mut condition, mut replicate, mut unit) = (vec![], vec![], vec![], vec![]);
        for (id, cond, rep, record) in units {
            if record.x.len() != t_count * c.observed || record.latents.len() != t_count * latents {
                return Err(SimulatorError::Failed(format!(
                    "unit {} recorded {} of {t_count} time points",
                    id.0,
                    record.latents.len() / latents.max(1)
                )));
            }
            x.extend(record.x);
            truth.extend(record.latents);
            time_point.extend(0..c.time_points);
            condition.extend(std::iter::repeat_n(cond.0, t_count));
            replicate.extend(std::iter::repeat_n(rep.0, t_count));
            unit.extend(std::iter::repeat_n(id.0, t_count));
        }
        let failed = |e: &dyn std::fmt::Display| SimulatorError::Failed(e.to_string());
        let observations = Observations::new(
            Matrix::new(rows, c.observed, x).map_err(|e| failed(&e))?,
            time_point,
            condition,
            replicate,
            unit,
            self.design.conditions.clone(),
            (0..c.time_points).map(|t| t as f32).collect(),
            c.targets,
        )
        .map_err(|e| failed(&e))?;
        let features = (0..c.observed).map(|j| format!("g{j}")).collect();
        let dataset = Dataset::new(observations, self.design.target_names.clone(), features).map_err(|e| failed(&e))?;
        let truth = GroundTruth {
            latents: Matrix::new(rows, latents, truth).map_err(|e| failed(&e))?,
            blocks: self.blocks(),
            graph: LatentGraph { n_latents: latents, edges: self.transition.edges(c.invariant_latents) },
            target_latents: self
                .interventions
                .target_latents()
                .iter()
                .map(|dynamic| dynamic.iter().map(|i| c.invariant_latents + i).collect())
                .collect(),
        };
        Ok(Simulation { dataset, truth })
    }

    /// Invariant latents first, then dynamic ones.
    fn blocks(&self) -> Vec<LatentBlock> {
        let invariant = std::iter::repeat_n(LatentBlock::Invariant, self.config.invariant_latents);
        invariant.chain(std::iter::repeat_n(LatentBlock::Dynamic, self.config.dynamic_latents)).collect()
    }
}
