//! results.csv: one row per (job, metric, time point), written a job at a time.
//!
//! Columns: `scenario`, one column per swept key (named by its dotted path,
//! empty where the key does not apply to the row's model), `seed`, `model`,
//! `metric`, `time_point`, `value`, `seconds`, `status`, `message`, `job`
//! (the job's id) and `job_rows` (how many rows the job wrote).
//!
//! A job's rows are written together, in one write, when the job ends. A
//! run killed meanwhile can leave only the job being written incomplete,
//! and that is detectable: a job is complete when the file holds exactly
//! `job_rows` rows with its id, each ending in a newline (every row is one
//! line: newlines inside text are written as spaces). `--resume` drops
//! incomplete rows and runs their jobs again. Column `seconds` is the only
//! one that differs between two runs of the same scenario.

use crate::scenario::JobId;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ResultsError {
    #[error("{path}: {reason}")]
    Io { path: PathBuf, reason: String },
    #[error("{path}:{line}: {message}")]
    Malformed { path: PathBuf, line: u64, message: String },
    /// The file does not belong to the scenario or jobs at hand.
    #[error("{path}: {message}")]
    Mismatch { path: PathBuf, message: String },
}

impl ResultsError {
    pub(super) fn io(path: &Path, what: &str, e: impl std::fmt::Display) -> Self {
        Self::Io { path: path.to_path_buf(), reason: format!("{what}: {e}") }
    }
}

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

    fn parse(text: &str) -> Option<Self> {
        [Self::Ok, Self::Error, Self::Skipped].into_iter().find(|s| s.as_str() == text)
    }
}

/// One line of results.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultRow {
    pub scenario: String,
    /// (swept path, value text) for each swept key that applies to the job.
    pub point: Vec<(String, String)>,
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
    /// The job that wrote the row; set by the runner when the job ends.
    pub job: Option<JobId>,
}

/// The columns before and after the swept ones.
const LEADING: [&str; 1] = ["scenario"];
const TRAILING: [&str; 10] = ["seed", "model", "metric", "time_point", "value", "seconds", "status", "message", "job", "job_rows"];

/// The header of a results file whose scenario sweeps `swept`.
pub fn header(swept: &[String]) -> Vec<String> {
    LEADING.iter().map(|c| c.to_string()).chain(swept.iter().cloned()).chain(TRAILING.iter().map(|c| c.to_string())).collect()
}

/// Appends rows to results.csv, a job's rows at a time.
pub struct ResultsWriter {
    path: PathBuf,
    file: File,
    swept: Vec<String>,
}

impl ResultsWriter {
    /// Creates `path` with its header; refuses to replace an existing file,
    /// whose results would otherwise be lost.
    pub fn create(path: &Path, swept: &[String]) -> Result<Self, ResultsError> {
        let file = File::options().write(true).create_new(true).open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                ResultsError::Io {
                    path: path.to_path_buf(),
                    reason: "already exists; pass --resume to complete it, or choose another --out directory".into(),
                }
            } else {
                ResultsError::io(path, "cannot create", e)
            }
        })?;
        let mut writer = Self { path: path.to_path_buf(), file, swept: swept.to_vec() };
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.write_record(header(swept)).map_err(|e| ResultsError::io(path, "cannot write", e))?;
        writer.write_bytes(csv.into_inner().map_err(|e| ResultsError::io(path, "cannot write", e.error()))?)?;
        Ok(writer)
    }

    /// Opens an existing results file, whose header the caller has
    /// checked, to add jobs at its end.
    pub fn append(path: &Path, swept: &[String]) -> Result<Self, ResultsError> {
        let file = File::options().append(true).open(path).map_err(|e| ResultsError::io(path, "cannot open", e))?;
        Ok(Self { path: path.to_path_buf(), file, swept: swept.to_vec() })
    }

    /// Writes one job's rows in a single write; `job_rows` is their count.
    pub fn write_job(&mut self, rows: &[ResultRow]) -> Result<(), ResultsError> {
        let mut csv = csv::Writer::from_writer(Vec::new());
        for row in rows {
            csv.write_record(self.fields(row, rows.len())).map_err(|e| ResultsError::io(&self.path, "cannot write", e))?;
        }
        let bytes = csv.into_inner().map_err(|e| ResultsError::io(&self.path, "cannot write", e.error()))?;
        self.write_bytes(bytes)
    }

    fn write_bytes(&mut self, bytes: Vec<u8>) -> Result<(), ResultsError> {
        // Unbuffered: once `write_all` returns, the rows are the kernel's and
        // survive the process being killed.
        self.file.write_all(&bytes).and_then(|()| self.file.flush()).map_err(|e| ResultsError::io(&self.path, "cannot write", e))
    }

    fn fields(&self, row: &ResultRow, job_rows: usize) -> Vec<String> {
        let one_line = |text: &str| text.replace(['\n', '\r'], " ");
        let mut fields = vec![one_line(&row.scenario)];
        for column in &self.swept {
            let value = row.point.iter().find(|(c, _)| c == column).map_or("", |(_, v)| v.as_str());
            fields.push(one_line(value));
        }
        fields.extend([
            row.seed.to_string(),
            one_line(&row.model),
            one_line(&row.metric),
            row.time_point.map_or_else(|| "all".to_string(), |t| t.to_string()),
            row.value.map_or_else(String::new, |v| v.to_string()),
            format!("{:.3}", row.seconds),
            row.status.as_str().to_string(),
            one_line(&row.message),
            row.job.map_or_else(String::new, |id| id.to_string()),
            job_rows.to_string(),
        ]);
        fields
    }
}

/// The rows one job wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRows {
    pub id: JobId,
    pub rows: Vec<ResultRow>,
}

/// A results file read back.
#[derive(Clone, Debug, PartialEq)]
pub struct ResultsTable {
    pub path: PathBuf,
    /// The swept columns, in file order.
    pub swept: Vec<String>,
    /// Complete jobs, in file order.
    pub jobs: Vec<JobRows>,
    /// Jobs with only some of their rows: the rows a killed run was writing.
    pub incomplete: Vec<JobId>,
    /// Whether the file ends in a row without its newline, cut short.
    pub unfinished_line: bool,
}

impl ResultsTable {
    /// Reads `path`. A trailing line without its newline is an unfinished
    /// row and is ignored: its job either has other rows, and is then
    /// incomplete, or none, and is then simply not there.
    pub fn read(path: &Path) -> Result<Self, ResultsError> {
        let text = std::fs::read_to_string(path).map_err(|e| ResultsError::io(path, "cannot read", e))?;
        let complete = &text[..text.rfind('\n').map_or(0, |nl| nl + 1)];
        let mut reader = csv::ReaderBuilder::new().from_reader(complete.as_bytes());
        let header: Vec<String> = reader.headers().map_err(|e| malformed(path, 1, e))?.iter().map(str::to_string).collect();
        let swept = swept_columns(&header).ok_or_else(|| ResultsError::Mismatch {
            path: path.to_path_buf(),
            message: format!("not a citebench results file: its columns are {}", header.join(",")),
        })?;
        let unfinished_line = complete.len() < text.len();
        let mut table = Self { path: path.to_path_buf(), swept, jobs: Vec::new(), incomplete: Vec::new(), unfinished_line };
        let mut current: Option<(JobRows, usize)> = None;
        for record in reader.records() {
            let record = record.map_err(|e| malformed(path, e.position().map_or(0, |p| p.line()), e))?;
            let line = record.position().map_or(0, |p| p.line());
            let (row, job_rows) =
                table.parse_row(&record).map_err(|message| ResultsError::Malformed { path: path.to_path_buf(), line, message })?;
            let id = row.job.ok_or_else(|| ResultsError::Malformed {
                path: path.to_path_buf(),
                line,
                message: "a row without a job id".into(),
            })?;
            match &mut current {
                Some((job, _)) if job.id == id => job.rows.push(row),
                _ => {
                    if let Some(done) = current.take() {
                        table.close(done)?;
                    }
                    current = Some((JobRows { id, rows: vec![row] }, job_rows));
                }
            }
        }
        if let Some(done) = current {
            table.close(done)?;
        }
        Ok(table)
    }

    fn close(&mut self, (job, expected): (JobRows, usize)) -> Result<(), ResultsError> {
        if job.rows.len() != expected {
            self.incomplete.push(job.id);
        } else if self.jobs.iter().any(|j| j.id == job.id) {
            return Err(ResultsError::Mismatch { path: self.path.clone(), message: format!("job {} is written twice", job.id) });
        } else {
            self.jobs.push(job);
        }
        Ok(())
    }

    fn parse_row(&self, record: &csv::StringRecord) -> Result<(ResultRow, usize), String> {
        let s = self.swept.len();
        let field = |i: usize| record.get(i).ok_or_else(|| format!("{} fields where {} are expected", record.len(), s + 11));
        let number = |i: usize, what: &str| field(i).and_then(|f| f.parse::<f64>().map_err(|_| format!("{what} `{f}` is not a number")));
        let point = (self.swept.iter().enumerate())
            .filter_map(|(i, c)| record.get(1 + i).filter(|v| !v.is_empty()).map(|v| (c.clone(), v.to_string())))
            .collect();
        let t = 1 + s;
        let time_point = match field(t + 3)? {
            "all" => None,
            f => Some(f.parse().map_err(|_| format!("time_point `{f}` is neither `all` nor a number"))?),
        };
        let value = match field(t + 4)? {
            "" => None,
            _ => Some(number(t + 4, "value")?),
        };
        let job = field(t + 8)?;
        let row = ResultRow {
            scenario: field(0)?.to_string(),
            point,
            seed: field(t)?.parse().map_err(|_| format!("seed `{}` is not an integer", &record[t]))?,
            model: field(t + 1)?.to_string(),
            metric: field(t + 2)?.to_string(),
            time_point,
            value,
            seconds: number(t + 5, "seconds")?,
            status: RowStatus::parse(field(t + 6)?).ok_or_else(|| format!("unknown status `{}`", &record[t + 6]))?,
            message: field(t + 7)?.to_string(),
            job: Some(JobId(u64::from_str_radix(job, 16).map_err(|_| format!("job `{job}` is not a job id"))?)),
        };
        let job_rows = field(t + 9)?.parse().map_err(|_| format!("job_rows `{}` is not a count", &record[t + 9]))?;
        Ok((row, job_rows))
    }
}

fn malformed(path: &Path, line: u64, e: csv::Error) -> ResultsError {
    ResultsError::Malformed { path: path.to_path_buf(), line, message: e.to_string() }
}

/// The swept columns of a header, or `None` if it is not a results header.
fn swept_columns(header: &[String]) -> Option<Vec<String>> {
    let swept = header.len().checked_sub(LEADING.len() + TRAILING.len())?;
    let leading = header[..LEADING.len()].iter().zip(LEADING).all(|(a, b)| a == b);
    let trailing = header[LEADING.len() + swept..].iter().zip(TRAILING).all(|(a, b)| a == b);
    (leading && trailing).then(|| header[LEADING.len()..LEADING.len() + swept].to_vec())
}
