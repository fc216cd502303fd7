//! One simulation: the world assembled from the configuration's plugins,
//! run through every step, then each recorded state rendered to an image
//! and the [`Simulation`] assembled with its ground truth.

use citebench_core::config::ConfigError;
use citebench_core::data::{
    Dataset, Edge, GroundTruth, ImageShape, LatentBlock, LatentGraph, Matrix, Observations, Simulation,
};
use citebench_core::simulator::SimulatorError;

use crate::config::{Causal3dIdentConfig, ObservationMode};
use crate::design::Design;
use crate::dynamics::{self, Population};
use crate::latents::{Latent, SceneLatents};
use crate::mechanism::{self, Transition};
use crate::render::Renderer;
use crate::scene::{Class, Condition, Record, Replicate, SceneId};
use crate::stream::Streams;
use crate::violation::{self, FrameStage};
use crate::world::{SimPlugin, SimWorld};

/// One recorded observation, before rendering.
#[derive(Clone, Copy, Debug)]
struct Row {
    scene: u64,
    condition: u32,
    replicate: u32,
    class: u32,
    time_point: u32,
    state: SceneLatents,
}

pub(crate) fn simulate(config: &Causal3dIdentConfig, seed: u64) -> Result<Simulation, SimulatorError> {
    let design = config.design()?;
    let mut transition = Transition {
        position_noise: config.position_noise as f32,
        angle_noise: config.angle_noise as f32,
        hue_goals: config.hue_goals(),
        rotation_gamma: config.rotation_gamma,
        instantaneous: 0.0,
    };
    config.violations.iter().for_each(|v| violation::adjust(v, &mut transition));
    let population = Population {
        conditions: (0..design.conditions.len()).map(|c| design.intervened(c)).collect(),
        scenes_per_condition: config.scenes_per_condition,
        replicates: config.replicates,
        time_points: config.time_points,
        classes: config.shapes.len() as u32,
        rotation_gamma: config.rotation_gamma,
        snapshots: config.observation_mode == ObservationMode::Snapshots,
    };
    let mut plugins: Vec<Box<dyn SimPlugin>> =
        vec![Box::new(dynamics::spawn(population)), Box::new(dynamics::mechanisms(transition.clone()))];
    plugins.extend(config.violations.iter().filter_map(violation::plugin));

    let mut sim = SimWorld::new(seed, config.threads);
    for plugin in &plugins {
        sim.add_plugin(plugin.as_ref());
    }
    sim.run(config.time_points - 1);
    let rows = rows(sim.world_mut());

    let streams = Streams::new(seed);
    let stages: Vec<FrameStage> =
        config.violations.iter().filter_map(|v| FrameStage::of(v, config.replicates, &streams)).collect();
    let renderer = Renderer::new(config.image_size, &config.shapes, config.mesh_detail)
        .map_err(|e| ConfigError::invalid(e.to_string()))?;
    let x = render_rows(&renderer, &rows, &stages, &streams, config.threads);
    assemble(config, &design, &transition, rows, x)
}

/// Every recorded row, ordered by scene, then time point.
fn rows(world: &mut bevy_ecs::world::World) -> Vec<Row> {
    let mut scenes: Vec<(SceneId, Condition, Replicate, Class, Record)> = world
        .query::<(&SceneId, &Condition, &Replicate, &Class, &mut Record)>()
        .iter_mut(world)
        .map(|(s, c, r, k, mut record)| (*s, *c, *r, *k, std::mem::take(&mut *record)))
        .collect();
    scenes.sort_unstable_by_key(|(s, ..)| *s);
    scenes
        .into_iter()
        .flat_map(|(scene, condition, replicate, class, record)| {
            record.time_points.into_iter().zip(record.states).map(move |(time_point, state)| Row {
                scene: scene.0,
                condition: condition.index,
                replicate: replicate.0,
                class: class.0,
                time_point,
                state,
            })
        })
        .collect()
}

/// The images of `rows`, one row of values each, rendered on `threads`
/// threads (0 = all cores) in contiguous chunks; each frame depends on its
/// row alone, so the result does not depend on the thread count.
fn render_rows(renderer: &Renderer, rows: &[Row], stages: &[FrameStage], streams: &Streams, threads: usize) -> Vec<f32> {
    let len = renderer.image_len();
    let mut x = vec![0.0f32; rows.len() * len];
    let threads = match threads {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        k => k,
    };
    let per = rows.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        for (chunk, out) in rows.chunks(per).zip(x.chunks_mut(per * len)) {
            let mut renderer = renderer.clone();
            scope.spawn(move || {
                for (row, frame) in chunk.iter().zip(out.chunks_mut(len)) {
                    renderer.render(&row.state, row.class as usize, frame);
                    for stage in stages {
                        stage.apply(frame, streams, row.scene, row.time_point, row.replicate);
                    }
                }
            });
        }
    });
    x
}

fn assemble(
    config: &Causal3dIdentConfig,
    design: &Design,
    transition: &Transition,
    rows: Vec<Row>,
    x: Vec<f32>,
) -> Result<Simulation, SimulatorError> {
    let failed = |e: &dyn std::fmt::Display| SimulatorError::Failed(e.to_string());
    let size = config.image_size;
    let shape = ImageShape { channels: 3, height: size, width: size };
    // Only conditions with rows are listed (all of them, unless a design
    // change leaves one out), in design order.
    let mut present = vec![false; design.conditions.len()];
    rows.iter().for_each(|r| present[r.condition as usize] = true);
    let mut index = vec![u32::MAX; present.len()];
    let mut table = Vec::new();
    for (condition, _) in present.iter().enumerate().filter(|(_, p)| **p) {
        index[condition] = table.len() as u32;
        table.push(design.conditions[condition].clone());
    }
    let observations = Observations::new(
        Matrix::new(rows.len(), shape.len(), x).map_err(|e| failed(&e))?,
        rows.iter().map(|r| r.time_point).collect(),
        rows.iter().map(|r| index[r.condition as usize]).collect(),
        rows.iter().map(|r| r.replicate).collect(),
        rows.iter().map(|r| r.scene).collect(),
        table,
        (0..config.time_points).map(|t| t as f32).collect(),
        design.target_names.len() as u32,
    )
    .and_then(|o| o.with_image(Some(shape)))
    .map_err(|e| failed(&e))?;
    let features = ["r", "g", "b"]
        .iter()
        .flat_map(|c| (0..size).flat_map(move |y| (0..size).map(move |x| format!("{c}_{y}_{x}"))))
        .collect();
    let dataset = Dataset::new(observations, design.target_names.clone(), features).map_err(|e| failed(&e))?;

    let columns = design.n_columns();
    let mut latents = Vec::with_capacity(rows.len() * columns);
    for row in &rows {
        if design.class_latent {
            latents.push(row.class as f32);
        }
        for &l in &design.dynamic {
            let v = row.state.get(l);
            if design.width(l) == 2 {
                latents.extend([v.sin(), v.cos()]);
            } else {
                latents.push(v);
            }
        }
    }
    let mut blocks = vec![LatentBlock::Invariant; usize::from(design.class_latent)];
    blocks.extend(std::iter::repeat_n(LatentBlock::Dynamic, columns - blocks.len()));
    let truth = GroundTruth {
        latents: Matrix::new(rows.len(), columns, latents).map_err(|e| failed(&e))?,
        blocks,
        graph: LatentGraph { n_latents: columns, edges: edges(design, transition) },
        target_latents: design
            .target_latents
            .iter()
            .map(|ls| ls.iter().flat_map(|&l| design.columns(l)).collect())
            .collect(),
    };
    Ok(Simulation { dataset, truth })
}

/// Every latent's edge from its own previous value and from its goal's
/// parents at the previous step; with instantaneous effects, also from
/// the parents at the same step. An angle written as sine and cosine has
/// the edges of the angle on both columns, from both of each parent's.
fn edges(design: &Design, transition: &Transition) -> Vec<Edge> {
    let hue_from_others = transition.hue_goals.iter().any(|g| g.reads_other_hues());
    let mut edges = Vec::new();
    for &latent in &design.dynamic {
        for to in design.columns(latent) {
            edges.extend(design.columns(latent).map(|from| Edge { from, to, lag: 1 }));
            for &parent in mechanism::parents(latent, hue_from_others) {
                for from in design.columns(parent) {
                    edges.push(Edge { from, to, lag: 1 });
                    if transition.instantaneous > 0.0 {
                        edges.push(Edge { from, to, lag: 0 });
                    }
                }
            }
            if latent == Latent::ObjectHue && design.class_latent {
                edges.push(Edge { from: 0, to, lag: 1 });
            }
        }
    }
    edges
}
