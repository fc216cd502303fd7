//! The long results CSV: one row per (seed, model, metric, time point).
//!
//! Each row is flushed as soon as it is written, so a run that is killed
//! keeps every result it had computed. Column `seconds` is the only one
//! that differs between two runs of the same scenario and seed.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Whether a row holds a value, or why it does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowStatus {
    Ok,
    /// The model or metric failed; `message` says how.
    Error,
    /// The model cannot produce what the metric needs; `message` says why.
    Skipped,
}

impl RowStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Skipped => "skipped",
        }
    }
}

/// One line of results.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultRow {
    pub scenario: String,
    pub seed: u64,
    pub model: String,
    /// A metric name, or `-` for a failure before any metric (fit, simulation).
    pub metric: String,
    /// The time value of the time point, or `None` for the overall value.
    pub time_point: Option<f32>,
    pub value: Option<f64>,
    /// Wall time of the model work behind the value (fit plus encode or predict).
    pub seconds: f64,
    pub status: RowStatus,
    pub message: String,
}

pub const HEADER: [&str; 9] = ["scenario", "seed", "model", "metric", "time_point", "value", "seconds", "status", "message"];

/// Writes rows to `results.csv`, flushing each one.
pub struct ResultsWriter {
    path: PathBuf,
    csv: csv::Writer<File>,
}

impl ResultsWriter {
    /// Creates `path`; refuses to replace an existing file, whose results
    /// would otherwise be lost.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = File::options().write(true).create_new(true).open(path).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                io::Error::new(e.kind(), format!("{} already exists; choose another --out directory", path.display()))
            } else {
                io::Error::new(e.kind(), format!("cannot create {}: {e}", path.display()))
            }
        })?;
        let mut csv = csv::Writer::from_writer(file);
        csv.write_record(HEADER)?;
        csv.flush()?;
        Ok(Self { path: path.to_path_buf(), csv })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, row: &ResultRow) -> io::Result<()> {
        self.csv.write_record([
            row.scenario.clone(),
            row.seed.to_string(),
            row.model.clone(),
            row.metric.clone(),
            row.time_point.map_or_else(|| "all".to_string(), |t| t.to_string()),
            row.value.map_or_else(String::new, |v| v.to_string()),
            format!("{:.3}", row.seconds),
            row.status.as_str().to_string(),
            row.message.clone(),
        ])?;
        self.csv.flush()
    }
}
