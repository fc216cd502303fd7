//! Benchmark: load the 20,729-cell Papalexi 2021 file from ../shared/data
//! and build pseudo-bulk profiles by (target, replicate), after total-count
//! normalisation and log1p; then the same with anndata + scanpy in Python
//! (`benches/scanpy_reference.py`) in the same invocation. Each side is
//! timed end to end (open, read obs and X, prepare, aggregate), median of
//! `--repeat` runs (default 7), the first run of each side discarded as
//! warm-up (file cache, Python imports are outside its timing anyway).
//!
//! `cargo bench -p citebench-h5ad-source --bench load [-- --repeat N] [--no-python]`.
//! Also times the cells the Papalexi scenario trains on (100 highly
//! variable genes, no pseudo-bulk), which reads X twice.

use citebench_h5ad_source::{H5adConfig, H5adSource};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const FILE: &str = "papalexi2021_thp1_eccite_sceptredata.h5ad";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repeat: usize = args.iter().position(|a| a == "--repeat").and_then(|i| args.get(i + 1)?.parse().ok()).unwrap_or(7);
    let python = !args.iter().any(|a| a == "--no-python");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(FILE);
    if !path.exists() {
        eprintln!("{} is missing: this benchmark reads ../shared/data/ beside the repository", path.display());
        std::process::exit(1);
    }
    let base = format!("path = {:?}\nperturbation = \"target\"\ncontrol = [\"non-targeting\"]\nreplicate = \"bio_rep\"\n", path.to_str().unwrap());
    let pseudobulk = time(&format!("{base}pseudobulk = true"), repeat);
    let cells = time(&format!("{base}highly_variable_genes = 100"), repeat);
    println!("citebench, {FILE}: load + normalise + log1p + pseudo-bulk: median {:.3} s (min {:.3}, max {:.3}, {repeat} runs)", pseudobulk.0, pseudobulk.1, pseudobulk.2);
    println!("citebench, {FILE}: load + normalise + log1p + 100 HVG, cells: median {:.3} s (min {:.3}, max {:.3})", cells.0, cells.1, cells.2);
    if !python {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/scanpy_reference.py");
    let output = Command::new("python3").arg(&script).arg(&path).arg(repeat.to_string()).output();
    match output {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            print!("{text}");
            let median = |key: &str| -> Option<f64> {
                text.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
            };
            if let (Some(p), Some(c)) = (median("pseudobulk"), median("cells")) {
                println!("ratio (scanpy / citebench): pseudo-bulk {:.2}x, cells with HVG {:.2}x", p / pseudobulk.0, c / cells.0);
            }
        }
        Ok(o) => eprintln!("the scanpy reference failed:\n{}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => eprintln!("python3 could not run the scanpy reference: {e}"),
    }
}

/// (median, min, max) seconds of loading with `config`, after one warm-up run.
fn time(config: &str, repeat: usize) -> (f64, f64, f64) {
    let config = H5adConfig::from_table(&toml::from_str(config).unwrap()).unwrap();
    let source = H5adSource::new(".");
    let mut runs = Vec::new();
    for i in 0..=repeat {
        let start = Instant::now();
        let sim = source.load(&config).unwrap();
        let seconds = start.elapsed().as_secs_f64();
        std::hint::black_box(&sim);
        if i > 0 {
            runs.push(seconds);
        }
    }
    runs.sort_by(f64::total_cmp);
    (runs[runs.len() / 2], runs[0], runs[runs.len() - 1])
}
