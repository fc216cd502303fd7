//! Times one CITE-VAE training step (forward, backward, AdamW update) on
//! burn's flex backend, and optionally the same step in PyTorch eager
//! (`bench/train_step.py`), in one invocation:
//!
//! ```text
//! cargo run --release -p citebench-model-cite-vae --example train_step -- \
//!     [--threads 2] [--units 256] [--steps 50] [--warmup 10] [--python PATH]
//! ```
//!
//! A batch is `--units` trajectories of 5 time points (1,280 cells at the
//! default 256) with 20 features and 9 targets; the network has the
//! plugin's default hyperparameters. Data are random: the cost of a step
//! does not depend on the values. Reports the median step time.

use citebench_core::data::{Matrix, Observations, Perturbation};
use citebench_core::model::ModelEnv;
use citebench_model_cite_vae::Hyperparameters;
use citebench_nn::temporal_vae::network::TemporalVae;
use citebench_nn::temporal_vae::objective::Elbo;
use citebench_nn::temporal_vae::trajectories::Trajectories;
use citebench_nn::burn::module::Module;
use citebench_nn::{Compute, Initialiser, Optimiser};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::process::Command;
use std::time::Instant;

const TIME_POINTS: usize = 5;
const FEATURES: usize = 20;
const TARGETS: u32 = 9;

struct Args {
    threads: u32,
    units: usize,
    steps: usize,
    warmup: usize,
    python: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { threads: 2, units: 256, steps: 50, warmup: 10, python: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag} {value}: {e}"));
        match flag.as_str() {
            "--threads" => args.threads = number()? as u32,
            "--units" => args.units = number()?,
            "--steps" => args.steps = number()?,
            "--warmup" => args.warmup = number()?,
            "--python" => args.python = Some(value),
            _ => return Err(format!("unknown flag {flag}; expected --threads, --units, --steps, --warmup or --python")),
        }
    }
    Ok(args)
}

/// `units` trajectories, each under the control or one target, round robin.
fn observations(units: usize, rng: &mut ChaCha8Rng) -> Observations {
    let rows = units * TIME_POINTS;
    let x = (0..rows * FEATURES).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let perturbations = std::iter::once(Perturbation::control()).chain((0..TARGETS).map(|t| Perturbation::new([t]))).collect();
    Observations::new(
        Matrix::new(rows, FEATURES, x).expect("rows x features values"),
        (0..rows).map(|r| (r % TIME_POINTS) as u32).collect(),
        (0..rows).map(|r| ((r / TIME_POINTS) % (TARGETS as usize + 1)) as u32).collect(),
        vec![0; rows],
        (0..rows).map(|r| (r / TIME_POINTS) as u64).collect(),
        perturbations,
        (0..TIME_POINTS).map(|t| t as f32).collect(),
        TARGETS,
    )
    .expect("consistent observations")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), String> {
    let args = parse_args()?;
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let obs = observations(args.units, &mut rng);
    let trajectories = Trajectories::new(&obs);
    let h = Hyperparameters::default();
    let compute = Compute::new(&ModelEnv { threads: args.threads, seed: 0, device: "cpu".into() }).map_err(|e| e.to_string())?;
    let shape = h.shape(FEATURES, TARGETS as usize);
    let device = compute.training_device();
    let mut model = TemporalVae::new(shape, &mut Initialiser::new(&mut rng, compute.device())).to_device(&device).train();
    let x = obs.x().as_slice().to_vec();
    let objective = Elbo { x: &x, features: FEATURES, trajectories: &trajectories, weights: h.weights() };
    let items: Vec<usize> = (0..args.units).collect();
    let mut optimiser = Optimiser::new(&h.training());
    let mut times = Vec::with_capacity(args.steps);
    for i in 0..args.warmup + args.steps {
        let started = Instant::now();
        model = compute
            .run(|| optimiser.step(model, &objective, &items, &mut rng, &device))
            .map_err(|e| format!("step {i}: {e:?}"))?
            .0;
        if i >= args.warmup {
            times.push(started.elapsed().as_secs_f64());
        }
    }
    let burn = median(times);
    println!(
        "citebench (burn flex): {:.2} steps/s, median {:.3} ms ({} units x {TIME_POINTS} time points, {} threads)",
        1.0 / burn,
        burn * 1e3,
        args.units,
        args.threads
    );
    if let Some(python) = args.python {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/train_step.py");
        let output = Command::new(&python)
            .arg(script)
            .args(["--threads", &args.threads.to_string(), "--units", &args.units.to_string()])
            .args(["--steps", &args.steps.to_string(), "--warmup", &args.warmup.to_string()])
            .output()
            .map_err(|e| format!("running {python} {script}: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let torch = stdout
            .lines()
            .find_map(|l| l.split_whitespace().find_map(|w| w.strip_prefix("median_ms=")))
            .and_then(|v| v.parse::<f64>().ok())
            .ok_or_else(|| format!("no timing from the PyTorch script:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr)))?
            / 1e3;
        println!("PyTorch eager:          {:.2} steps/s, median {:.3} ms", 1.0 / torch, torch * 1e3);
        println!("throughput ratio citebench / PyTorch: {:.2}", torch / burn);
    }
    Ok(())
}
