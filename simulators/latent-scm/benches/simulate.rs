//! Benchmark: 200,000 cells, 16 latents (4 invariant, 12 dynamic), 8 time
//! points, 2,000 genes of negative-binomial counts, observed as snapshots;
//! then, in the same invocation, the vectorised NumPy implementation of
//! the same generator (`benches/numpy_reference.py`).
//!
//! Reports each implementation's time by part (dynamics, mixing, counts),
//! the end-to-end ratio, the mixing's matrix-product rate against the
//! machine's measured single-core GEMM rate (`matrixmultiply` on square
//! matrices), and peak memory against the size of the output.
//!
//! `cargo bench -p citebench-latent-scm --bench simulate [-- --cells N]`;
//! `--no-numpy` skips the reference (for machines without NumPy).

use std::process::Command;
use std::time::Instant;

use citebench_latent_scm::{CountConfig, LatentScm, LatentScmConfig, ObservationMode};

const TIME_POINTS: u32 = 8;
const GENES: usize = 2000;
const INVARIANT: usize = 4;
const DYNAMIC: usize = 12;
/// 24 targets: with the control, 25 conditions (= 2n + 1 for n = 12).
const TARGETS: u32 = 24;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cells: usize = flag(&args, "--cells").and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let numpy = !args.iter().any(|a| a == "--no-numpy");
    let conditions = TARGETS as usize + 1;
    let config = LatentScmConfig {
        invariant_latents: INVARIANT,
        dynamic_latents: DYNAMIC,
        observed: GENES,
        // One linear layer: a further layer would be a 2,000 x 2,000 product
        // per cell in both implementations, which would only measure BLAS.
        mixing_layers: 1,
        targets: TARGETS,
        latents_per_target: 2,
        time_points: TIME_POINTS,
        units_per_condition: cells.div_ceil(conditions),
        observation_mode: ObservationMode::Snapshots,
        counts: Some(CountConfig::default()),
        ..LatentScmConfig::default()
    };
    let start = Instant::now();
    let detailed = match LatentScm::simulate_detailed(&config, 7) {
        Ok(detailed) => detailed,
        Err(e) => {
            eprintln!("simulation failed: {e}");
            std::process::exit(1);
        }
    };
    let total = start.elapsed().as_secs_f64();
    let peak = peak_rss_bytes();
    let x = detailed.simulation.dataset.observations.x();
    let (rows, cols) = (x.rows(), x.cols());
    let output_bytes = (rows * cols + detailed.simulation.truth.latents.as_slice().len()) * 4;
    let p = &detailed.profile;
    let mixing_flops = 2.0 * rows as f64 * (INVARIANT + DYNAMIC) as f64 * GENES as f64;
    let gemm = gemm_rate();
    println!("citebench latent-scm: {rows} cells x {cols} genes, {} latents, {TIME_POINTS} time points", INVARIANT + DYNAMIC);
    println!("  end to end           {total:8.2} s");
    println!("  setup                {:8.2} s", p.setup_s);
    println!("  dynamics             {:8.2} s (transitions, interventions, recording)", p.dynamics_s);
    println!("  readout (wall)       {:8.2} s", p.readout_s);
    println!("    mixing    (cpu)    {:8.2} s  = {:.1} GFLOP/s per core", p.mixing_cpu_s, mixing_flops / p.mixing_cpu_s / 1e9);
    println!("    counts    (cpu)    {:8.2} s", p.counts_cpu_s);
    println!("    noise     (cpu)    {:8.2} s", p.noise_cpu_s);
    println!("  assembly             {:8.2} s", p.assembly_s);
    println!("  machine GEMM rate    {gemm:8.1} GFLOP/s per core (matrixmultiply sgemm, 1024^3)");
    println!("  mixing rate / GEMM   {:8.2}", mixing_flops / p.mixing_cpu_s / 1e9 / gemm);
    println!(
        "  peak memory          {:8.2} GB = {:.2} x the output ({:.2} GB)",
        peak as f64 / 1e9,
        peak as f64 / output_bytes as f64,
        output_bytes as f64 / 1e9
    );
    let total_counts: f64 = x.as_slice().iter().map(|&c| f64::from(c)).sum();
    println!("  mean count           {:8.3} (per cell {:.0})", total_counts / (rows * cols) as f64, total_counts / rows as f64);
    drop(detailed);
    if !numpy {
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/numpy_reference.py");
    let run = Command::new("python3")
        .arg(script)
        .args(["--cells", &(config.units_per_condition * conditions).to_string()])
        .args(["--conditions", &conditions.to_string()])
        .output();
    match run {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            print!("{text}");
            if let Some(numpy_total) = text.lines().find_map(|l| l.trim().strip_prefix("end to end")).and_then(|v| v.trim().trim_end_matches(" s").trim().parse::<f64>().ok()) {
                println!("ratio: NumPy / citebench end to end = {:.2}x", numpy_total / total);
            }
        }
        Ok(out) => eprintln!("NumPy reference failed:\n{}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => eprintln!("cannot run python3 {script}: {e}"),
    }
}

fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

/// The process's peak resident set (VmHWM), 0 where /proc is missing.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Single-core sgemm rate on 1024 x 1024 matrices, best of 3, in GFLOP/s.
fn gemm_rate() -> f64 {
    let n = 1024;
    let a: Vec<f32> = (0..n * n).map(|i| (i % 7) as f32 * 0.1).collect();
    let b: Vec<f32> = (0..n * n).map(|i| (i % 5) as f32 * 0.1).collect();
    let mut c = vec![0.0f32; n * n];
    let mut best = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        // SAFETY: a, b and c are n x n row-major matrices, as declared.
        unsafe {
            matrixmultiply::sgemm(n, n, n, 1.0, a.as_ptr(), n as isize, 1, b.as_ptr(), n as isize, 1, 0.0, c.as_mut_ptr(), n as isize, 1);
        }
        best = best.min(start.elapsed().as_secs_f64());
    }
    std::hint::black_box(&c);
    2.0 * (n * n * n) as f64 / best / 1e9
}
