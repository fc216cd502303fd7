//! How long the identifiability metrics take on 100,000 x 50 latents (the
//! issue's budget: all of them under 2 s on 2 cores). A plain timing
//! harness, not a test: timings never gate `cargo test`.
//!
//!     taskset -c 0,1 cargo bench -p citebench-core --bench metrics
//!
//! Prints each latent metric's median wall time over 3 runs, the CPU time
//! of the process over the same runs (on a busy machine wall time
//! overstates what an idle one takes; CPU time does not), and the totals.
//! Words after `--` keep only the metrics whose names contain one of them.

use citebench_core::data::{Dataset, GroundTruth, LatentBlock, LatentGraph, Matrix, Observations, Perturbation};
use citebench_core::metric::{MetricInput, MetricNeeds, MetricRegistry};
use citebench_core::seeding::splitmix64;
use citebench_core::model::LatentEstimate;
use std::time::Instant;

const ROWS: usize = 100_000;
const LATENTS: usize = 50;
const TIME_POINTS: u32 = 5;
const RUNS: usize = 3;

/// User plus system CPU seconds of this process so far, from
/// `/proc/self/stat` (Linux; `None` elsewhere), in clock ticks of 10 ms.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// A standard normal draw from two keyed uniforms (Box-Muller).
fn normal(key: u64) -> f32 {
    let uniform = |k: u64| (splitmix64(k) >> 11) as f64 / (1u64 << 53) as f64;
    let (u, v) = (uniform(2 * key).max(f64::MIN_POSITIVE), uniform(2 * key + 1));
    ((-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
}

fn main() {
    let n = ROWS;
    let truth = Matrix::new(n, LATENTS, (0..(n * LATENTS) as u64).map(normal).collect()).expect("n x d values");
    // The estimate: each true latent through a monotone nonlinearity, plus
    // a little of its neighbour and noise, with the columns reversed.
    let estimate_values: Vec<f32> = (0..n)
        .flat_map(|i| {
            let truth = &truth;
            (0..LATENTS).map(move |j| {
                let source = LATENTS - 1 - j;
                let z = truth.get(i, source);
                z.tanh() + 0.2 * truth.get(i, (source + 1) % LATENTS) + 0.1 * normal(1 << 40 | (i * LATENTS + j) as u64)
            })
        })
        .collect();
    let estimate = LatentEstimate {
        latents: Matrix::new(n, LATENTS, estimate_values).expect("n x k values"),
        blocks: vec![LatentBlock::Unlabelled; LATENTS],
    };
    let blocks = (0..LATENTS).map(|j| if j < LATENTS / 2 { LatentBlock::Invariant } else { LatentBlock::Dynamic });
    let truth = GroundTruth {
        latents: truth,
        blocks: blocks.collect(),
        graph: LatentGraph { n_latents: LATENTS, edges: vec![] },
        target_latents: vec![],
    };
    let observations = Observations::new(
        Matrix::zeros(n, 0),
        (0..n).map(|i| (i as u32) % TIME_POINTS).collect(),
        vec![0; n],
        vec![0; n],
        (0..n as u64).collect(),
        vec![Perturbation::control()],
        (0..TIME_POINTS).map(|t| t as f32).collect(),
        0,
    )
    .expect("consistent observations");
    let dataset = Dataset::new(observations, vec![], vec![]).expect("no features, no targets");
    let rows: Vec<usize> = (0..n).collect();
    let input =
        MetricInput { dataset: &dataset, truth: &truth, encoded_rows: &rows, latents: Some(&estimate), predictions: None };

    println!("{ROWS} x {LATENTS} latents, {TIME_POINTS} time points; median wall and mean CPU of {RUNS} runs");
    // cargo passes `--bench` to a harness-less bench; other words are filters.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let chosen = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let registry = MetricRegistry::default();
    let (mut total, mut total_cpu) = (0.0, 0.0);
    for metric in registry.iter().filter(|m| m.needs() == MetricNeeds::Latents && chosen(m.name())) {
        let cpu_before = cpu_seconds();
        let mut seconds: Vec<f64> = (0..RUNS)
            .map(|_| {
                let started = Instant::now();
                let values = metric.compute(&input).unwrap_or_else(|e| panic!("{e}"));
                std::hint::black_box(values);
                started.elapsed().as_secs_f64()
            })
            .collect();
        let cpu = cpu_seconds().zip(cpu_before).map_or(f64::NAN, |(after, before)| (after - before) / RUNS as f64);
        seconds.sort_by(f64::total_cmp);
        let median = seconds[RUNS / 2];
        total += median;
        total_cpu += cpu;
        let overall = metric.compute(&input).map(|v| v[0].value).unwrap_or(f64::NAN);
        println!("{:<22} {median:>7.3} s wall {cpu:>7.3} s cpu   (overall value {overall:.4})", metric.name());
    }
    println!("{:<22} {total:>7.3} s wall {total_cpu:>7.3} s cpu", "total");
}
