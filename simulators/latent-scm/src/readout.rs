//! Readout: from the recorded latents to features, once the dynamics are done.
//!
//! Every observed row goes through the mixing g (a matrix product over a
//! block of rows) and then through the feature stages that plugins add, in
//! [`Stage`] order: batch effects, extra observation noise, Gaussian
//! observation noise, counts. A stage sees one row at a time with its key
//! (unit, time point, replicate) and draws its randomness from that row's
//! own streams. Rows are processed in fixed blocks of [`BLOCK_ROWS`], so a
//! row's arithmetic never depends on the thread count; blocks are spread
//! over bevy's compute pool. Each task mixes a block into a scratch buffer
//! it reuses, runs every stage there while the block is in cache, then
//! copies the finished rows into the output (whose first touch, page
//! faults included, is thus not charged to the matrix product).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bevy_ecs::prelude::*;
use bevy_tasks::{ComputeTaskPool, TaskPool};

use crate::mixing::Mixing;
use rand::RngExt;
use rand_distr::StandardNormal;

use crate::stream::{Draw, Streams};
use crate::world::{Parallelism, SimPlugin};

/// Rows per block: large enough to amortise packing in the matrix product,
/// small enough that a block of 2,000 features stays in the L2 cache.
pub(crate) const BLOCK_ROWS: usize = 64;

/// Who a row is: what stages key their randomness and effects on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RowKey {
    pub(crate) unit: u64,
    pub(crate) time_point: u32,
    pub(crate) replicate: u32,
}

/// The order stages run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Stage {
    BatchEffects,
    ExtraObservationNoise,
    ObservationNoise,
    Counts,
}

/// One transformation of a row of features.
pub(crate) trait FeatureStage: Send + Sync {
    fn apply(&self, key: RowKey, x: &mut [f32], streams: &Streams);
}

/// The mixing and the stages after it: a resource of the world, which
/// plugins add their stages to.
#[derive(Resource)]
pub(crate) struct Readout {
    mixing: Mixing,
    stages: Vec<(Stage, Box<dyn FeatureStage>)>,
}

/// CPU time spent in each part of the readout, summed over threads.
#[derive(Debug, Default)]
pub(crate) struct ReadoutTimes {
    pub(crate) mixing_ns: AtomicU64,
    pub(crate) counts_ns: AtomicU64,
    /// Other stages, and copying finished rows into the output.
    pub(crate) other_ns: AtomicU64,
}

/// The recorded rows, in output order.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Rows {
    pub(crate) keys: Vec<RowKey>,
    pub(crate) condition: Vec<u32>,
    /// Row-major, one row of [s, z_t] per key.
    pub(crate) latents: Vec<f32>,
}

impl Readout {
    pub(crate) fn new(mixing: Mixing) -> Self {
        Self { mixing, stages: Vec::new() }
    }

    pub(crate) fn add(&mut self, stage: Stage, transform: Box<dyn FeatureStage>) {
        self.stages.push((stage, transform));
        self.stages.sort_by_key(|(stage, _)| *stage);
    }

    /// The features of every row, row-major (rows x observed).
    pub(crate) fn run(&self, rows: &Rows, streams: &Streams, parallelism: Parallelism, times: &ReadoutTimes) -> Vec<f32> {
        let (width, latents) = (self.mixing.observed(), self.mixing.latents());
        let mut x = vec![0.0f32; rows.keys.len() * width];
        let blocks: Vec<(usize, &mut [f32])> = x.chunks_mut(BLOCK_ROWS * width.max(1)).enumerate().collect();
        let run_blocks = |blocks: Vec<(usize, &mut [f32])>| {
            let (mut block, mut scratch) = (Vec::new(), Vec::new());
            for (b, out) in blocks {
                let first = b * BLOCK_ROWS;
                let count = out.len() / width.max(1);
                block.resize(out.len(), 0.0);
                let v = &rows.latents[first * latents..(first + count) * latents];
                self.block(&rows.keys[first..first + count], v, &mut block, &mut scratch, streams, times);
                let start = Instant::now();
                out.copy_from_slice(&block);
                add_ns(&times.other_ns, start.elapsed());
            }
        };
        let tasks = match parallelism {
            Parallelism::Sequential => 1,
            Parallelism::Parallel { max_batches: None } => ComputeTaskPool::get_or_init(TaskPool::default).thread_num(),
            Parallelism::Parallel { max_batches: Some(k) } => k.get(),
        };
        if tasks <= 1 || blocks.len() <= 1 {
            run_blocks(blocks);
        } else {
            let per_task = blocks.len().div_ceil(tasks);
            let mut blocks = blocks.into_iter();
            let groups: Vec<Vec<_>> = std::iter::from_fn(|| Some(blocks.by_ref().take(per_task).collect::<Vec<_>>()))
                .take_while(|group| !group.is_empty())
                .collect();
            ComputeTaskPool::get_or_init(TaskPool::default).scope(|scope| {
                for group in groups {
                    let run_blocks = &run_blocks;
                    scope.spawn(async move { run_blocks(group) });
                }
            });
        }
        x
    }

    fn block(&self, keys: &[RowKey], v: &[f32], out: &mut [f32], scratch: &mut Vec<f32>, streams: &Streams, times: &ReadoutTimes) {
        let start = Instant::now();
        self.mixing.apply_block(v, keys.len(), out, scratch);
        let mut last = Instant::now();
        add_ns(&times.mixing_ns, last - start);
        for (stage, transform) in &self.stages {
            for (key, x) in keys.iter().zip(out.chunks_exact_mut(self.mixing.observed())) {
                transform.apply(*key, x, streams);
            }
            let now = Instant::now();
            let part = if *stage == Stage::Counts { &times.counts_ns } else { &times.other_ns };
            add_ns(part, now - last);
            last = now;
        }
    }
}

fn add_ns(total: &AtomicU64, elapsed: std::time::Duration) {
    total.fetch_add(elapsed.as_nanos() as u64, Ordering::Relaxed);
}

/// x += N(0, std^2) per feature, from the row's own stream.
struct GaussianNoise {
    std: f32,
    draw: Draw,
}

impl FeatureStage for GaussianNoise {
    fn apply(&self, key: RowKey, x: &mut [f32], streams: &Streams) {
        let mut rng = streams.bulk(self.draw, key.unit, key.time_point);
        x.iter_mut().for_each(|x| *x += self.std * rng.sample::<f32, _>(StandardNormal));
    }
}

/// Gaussian noise on every feature with standard deviation `std`, drawn
/// from stream `draw`.
pub(crate) fn gaussian_noise(draw: Draw, std: f32) -> Box<dyn FeatureStage> {
    Box::new(GaussianNoise { std, draw })
}

/// Inserts the readout with its mixing and the configured observation noise.
pub(crate) fn plugin(mixing: Mixing, observation_noise: f32) -> impl SimPlugin {
    move |world: &mut World, _: &mut Schedule| {
        let mut readout = Readout::new(mixing.clone());
        readout.add(Stage::ObservationNoise, gaussian_noise(Draw::ObservationNoise, observation_noise));
        world.insert_resource(readout);
    }
}
