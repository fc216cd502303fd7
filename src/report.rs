//! What the CLI shows a person: the progress bar, the summary table, where
//! the plots went and the plugin list.

use citebench_core::abi::ABI_VERSION;
use citebench_core::abi::host::PluginCatalog;
use citebench_core::runner::RunObserver;
use citebench_core::runner::summary::{Problem, Summary};
use citebench_core::scenario::Scenario;
use comfy_table::Table;
use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use indicatif::{ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A bar over jobs whose message shows the latest job's fit progress and,
/// with several workers, how many jobs are running.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
    /// Labels of the jobs running now, by job index.
    running: BTreeMap<usize, String>,
}

impl ProgressBar {
    pub fn new() -> Self {
        let bar = indicatif::ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} jobs  {msg}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        Self { bar, running: BTreeMap::new() }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn show(&self, job: usize, what: &str) {
        let label = self.running.get(&job).map_or("", String::as_str);
        let others = match self.running.len() {
            0 | 1 => String::new(),
            n => format!(" (+{} running)", n - 1),
        };
        self.bar.set_message(format!("{label}: {what}{others}"));
    }
}

impl RunObserver for ProgressBar {
    fn started(&mut self, jobs: usize) {
        self.bar.set_length(jobs as u64);
    }

    fn job_started(&mut self, job: usize, label: &str) {
        self.running.insert(job, label.to_string());
        self.show(job, "fitting");
    }

    fn fit_progress(&mut self, job: usize, fraction: f32) {
        self.show(job, &format!("fitting {:.0}%", fraction * 100.0));
    }

    fn job_finished(&mut self, job: usize) {
        self.running.remove(&job);
        self.bar.inc(1);
    }
}

/// How a summary table is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableStyle {
    /// Box-drawing characters, for the terminal.
    Terminal,
    /// A Markdown table, for README files.
    Markdown,
}

pub fn print_summary(scenario: &Scenario, summary: &Summary) {
    print_summary_as(&scenario.name, scenario.seeds.len(), summary, TableStyle::Terminal);
}

/// The summary of `seeds` seeds of scenario `name`: the table, then one line
/// per model and reason for every skipped or failed value.
pub fn print_summary_as(name: &str, seeds: usize, summary: &Summary, style: TableStyle) {
    let mut table = Table::new();
    table.load_preset(match style {
        TableStyle::Terminal => UTF8_FULL_CONDENSED,
        TableStyle::Markdown => ASCII_MARKDOWN,
    });
    let swept = summary.rows.iter().any(|(_, point)| !point.is_empty());
    let mut header = vec!["model".to_string()];
    if swept {
        header.push("sweep point".to_string());
    }
    header.extend(summary.metrics.iter().cloned());
    table.set_header(header);
    for (model, point) in &summary.rows {
        let mut row = vec![model.clone()];
        if swept {
            row.push(point.clone());
        }
        for metric in &summary.metrics {
            row.push(match summary.get(model, point, metric) {
                Some(c) if c.n > 1 => format!("{:.3} ± {:.3}", c.mean, c.std),
                Some(c) => format!("{:.3}", c.mean),
                None => "-".to_string(),
            });
        }
        table.add_row(row);
    }
    println!("{name} ({seeds} seed{}; mean ± sd over seeds)", if seeds == 1 { "" } else { "s" });
    if style == TableStyle::Markdown {
        println!();
    }
    println!("{table}");
    // One line per (model, status, message), naming every metric it hit:
    // a model that cannot encode skips every latent metric for one reason.
    let mut lines: Vec<(&Problem, Vec<&str>)> = Vec::new();
    for p in &summary.problems {
        let same = |(q, _): &&mut (&Problem, Vec<&str>)| (&q.model, q.status, &q.message) == (&p.model, p.status, &p.message);
        match lines.iter_mut().find(same) {
            Some((_, metrics)) => metrics.push(&p.metric),
            None => lines.push((p, vec![&p.metric])),
        }
    }
    for (p, metrics) in lines {
        let metrics: Vec<&str> = metrics.into_iter().filter(|m| *m != "-").collect();
        let what = if metrics.is_empty() { String::new() } else { format!(" [{}]", metrics.join(", ")) };
        println!("  {}{what} {}: {}", p.model, p.status.as_str(), p.message);
    }
}

/// Names the plots written: one line with the charts and their directory.
pub fn print_plots(files: &[PathBuf]) {
    let Some(dir) = files.first().and_then(|f| f.parent()) else { return };
    let mut charts: Vec<String> = files.iter().filter_map(|f| f.file_stem()).map(|s| s.to_string_lossy().into_owned()).collect();
    charts.dedup();
    println!("plots: {} (.svg and .png in {})", charts.join(", "), dir.display());
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
