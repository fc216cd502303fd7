//! What the CLI shows a person: the progress bar, the summary table and the
//! plugin list.

use citebench_core::abi::ABI_VERSION;
use citebench_core::abi::host::PluginCatalog;
use citebench_core::runner::RunObserver;
use citebench_core::runner::summary::Summary;
use citebench_core::scenario::Scenario;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use indicatif::{ProgressStyle, ProgressDrawTarget};

/// A bar over (seed, model) jobs whose message shows the job and its fit progress.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    job: String,
}

impl ProgressBar {
    pub fn new() -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} jobs  {msg}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        Self { bar, job: String::new() }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl RunObserver for ProgressBar {
    fn started(&mut self, jobs: usize) {
        self.bar.set_length(jobs as u64);
    }

    fn job_started(&mut self, seed: u64, model: &str) {
        self.job = format!("seed {seed} · {model}");
        self.bar.set_message(format!("{}: fitting", self.job));
    }

    fn fit_progress(&mut self, fraction: f32) {
        self.bar.set_message(format!("{}: fitting {:.0}%", self.job, fraction * 100.0));
    }

    fn job_finished(&mut self) {
        self.bar.inc(1);
    }
}

pub fn print_summary(scenario: &Scenario, summary: &Summary) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let mut header = vec!["model".to_string()];
    header.extend(summary.metrics.iter().cloned());
    table.set_header(header);
    for model in &summary.models {
        let mut row = vec![model.clone()];
        for metric in &summary.metrics {
            row.push(match summary.get(model, metric) {
                Some(c) if c.n > 1 => format!("{:.3} ± {:.3}", c.mean, c.std),
                Some(c) => format!("{:.3}", c.mean),
                None => "-".to_string(),
            });
        }
        table.add_row(row);
    }
    let seeds = scenario.seeds.len();
    println!("{} ({} seed{}; mean ± sd over seeds)", scenario.name, seeds, if seeds == 1 { "" } else { "s" });
    println!("{table}");
    for p in &summary.problems {
        let what = if p.metric == "-" { String::new() } else { format!(" [{}]", p.metric) };
        println!("  {}{what} {}: {}", p.model, p.status.as_str(), p.message);
    }
}

pub fn print_plugins(catalog: &PluginCatalog) {
    println!("plugins in {} (host ABI version {ABI_VERSION}):", catalog.dir().display());
    if catalog.entries.is_empty() {
        println!("  none found; build them with `cargo build --release`");
    }
    for (path, entry) in &catalog.entries {
        let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().into_owned());
        match entry {
            Ok(p) => println!("  {:<16} ABI {ABI_VERSION}  [{}]  {file}", p.name(), p.capabilities().names().join(", ")),
            Err(e) => println!("  refused: {e}"),
        }
    }
}
