//! `citebench render`: a scenario's image observations as PNG files: a
//! few sample frames, and a contact sheet of trajectories (one row per
//! condition, one column per time point), for data whose rows are images
//! (the `causal3dident` simulator).

use anyhow::{Context, Result, bail};
use citebench_core::data::{ImageShape, Observations};
use citebench_core::scenario::Scenario;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    scenario: PathBuf,
    /// Directory for `samples/*.png` and `contact_sheet.png`.
    #[arg(long)]
    out: PathBuf,
    /// Seed (default: the scenario's first seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Sample frames to write, spread evenly over the rows.
    #[arg(long, default_value_t = 16)]
    samples: usize,
    /// Render at this image size instead of the scenario's (the scenes are
    /// the same: the size changes no random draw).
    #[arg(long)]
    image_size: Option<u32>,
    /// Pixels per image pixel in the contact sheet (default: the smallest
    /// that makes tiles at least 96 pixels wide).
    #[arg(long)]
    scale: Option<u32>,
}

/// Pixels between tiles of the contact sheet.
const GAP: u32 = 2;

pub fn execute(args: Args) -> Result<()> {
    let mut scenario = Scenario::load(&args.scenario)?;
    if let Some(size) = args.image_size {
        scenario.simulator.config.insert("image_size".into(), toml::Value::Integer(i64::from(size)));
    }
    let seed = match args.seed.or_else(|| scenario.seeds.first().copied()) {
        Some(seed) => seed,
        None => bail!("{}: no seed: give `seeds` in the scenario or --seed", args.scenario.display()),
    };
    let (simulation, _) = super::simulate::simulate(&scenario, seed)?;
    let obs = &simulation.dataset.observations;
    let Some(shape) = obs.image() else {
        bail!(
            "{}: simulator `{}` does not produce images; `render` needs image observations (simulator `causal3dident`)",
            args.scenario.display(),
            scenario.simulator.name
        );
    };
    if shape.channels != 3 {
        bail!("images of {shape}: `render` writes RGB images, 3 channels");
    }
    let samples = args.out.join("samples");
    std::fs::create_dir_all(&samples).with_context(|| format!("cannot create {}", samples.display()))?;
    let n = args.samples.min(obs.len());
    for k in 0..n {
        let row = k * obs.len() / n;
        let path = samples.join(format!("row{row:06}.png"));
        write_png(&path, shape.width, shape.height, &interleave(obs.x().row(row), shape, 1))?;
    }
    let scale = args.scale.unwrap_or_else(|| 96u32.div_ceil(shape.width)).max(1);
    let (width, height, pixels) = contact_sheet(obs, shape, scale);
    let sheet = args.out.join("contact_sheet.png");
    write_png(&sheet, width, height, &pixels)?;
    println!(
        "{}: {} conditions x {} time points (seed {seed}); {n} samples in {}",
        sheet.display(),
        obs.perturbations().len(),
        obs.n_time_points(),
        samples.display()
    );
    Ok(())
}

/// One channel-major image as interleaved RGB bytes, each pixel repeated
/// `scale` x `scale` times.
fn interleave(image: &[f32], shape: ImageShape, scale: u32) -> Vec<u8> {
    let (w, h) = (shape.width as usize, shape.height as usize);
    let s = scale as usize;
    let mut out = Vec::with_capacity(w * h * s * s * 3);
    for y in 0..h * s {
        for x in 0..w * s {
            for c in 0..3 {
                let v = image[c * w * h + (y / s) * w + x / s];
                out.push((v.clamp(0.0, 1.0) * 255.0).round() as u8);
            }
        }
    }
    out
}

/// The rows of each condition's first trajectory, one per time point:
/// the first scene of the condition where it was observed then, else any
/// scene of the condition observed then (snapshots), else none.
fn trajectory(obs: &Observations, condition: u32) -> Vec<Option<usize>> {
    let rows: Vec<usize> = (0..obs.len()).filter(|&i| obs.perturbation_index()[i] == condition).collect();
    let first_unit = rows.first().map(|&i| obs.unit()[i]);
    (0..obs.n_time_points() as u32)
        .map(|t| {
            let at = |&&i: &&usize| obs.time_point()[i] == t;
            let same = rows.iter().filter(at).find(|&&i| Some(obs.unit()[i]) == first_unit);
            same.or_else(|| rows.iter().find(at)).copied()
        })
        .collect()
}

/// A white sheet of tiles: one row per condition, one column per time point.
fn contact_sheet(obs: &Observations, shape: ImageShape, scale: u32) -> (u32, u32, Vec<u8>) {
    let (tile_w, tile_h) = (shape.width * scale, shape.height * scale);
    let (cols, rows) = (obs.n_time_points() as u32, obs.perturbations().len() as u32);
    let width = cols * tile_w + (cols + 1) * GAP;
    let height = rows * tile_h + (rows + 1) * GAP;
    let mut pixels = vec![255u8; (width * height * 3) as usize];
    for condition in 0..rows {
        for (t, row) in trajectory(obs, condition).into_iter().enumerate() {
            let Some(row) = row else { continue };
            let tile = interleave(obs.x().row(row), shape, scale);
            let (x0, y0) = (GAP + t as u32 * (tile_w + GAP), GAP + condition * (tile_h + GAP));
            for y in 0..tile_h {
                let start = (((y0 + y) * width + x0) * 3) as usize;
                let line = (y * tile_w * 3) as usize..((y + 1) * tile_w * 3) as usize;
                pixels[start..start + line.len()].copy_from_slice(&tile[line]);
            }
        }
    }
    (width, height, pixels)
}

fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().with_context(|| format!("cannot write {}", path.display()))?;
    writer.write_image_data(rgb).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
