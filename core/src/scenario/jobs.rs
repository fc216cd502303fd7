//! The jobs of a scenario: every (sweep point, seed, model), each with the
//! configuration it runs and an id that hashes it.
//!
//! Jobs come in the order results.csv keeps: data points (the product of
//! the axes that change the simulator configuration or the split), then
//! seeds, then models, then the points of the axes that sweep only that
//! model's hyperparameters. Such an axis multiplies that model's jobs
//! alone: another model's job would be the same at each of its values.
//!
//! A job's id hashes what determines its rows: the simulator's name and
//! configuration, the split, the model's plugin, label and hyperparameters,
//! the seed and the metrics, all resolved. It does not depend on how the
//! sweep is written (a job has the same id in any scenario that runs it),
//! nor on `device`, `threads` or parallelism. The hash is FNV-1a (64 bits)
//! over a canonical encoding written here, so no Rust or toml upgrade can
//! change it.

use super::{ModelSpec, Scenario, ScenarioError, SplitLabels, SweptTarget, line_column, sweep::value_text};
use std::fmt;
use std::str::FromStr;

/// The stable id of a job; written as 16 hexadecimal digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobId(pub u64);

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// The swept values a job or data point takes: (index of the key in
/// [`super::Sweep::keys`], value), in key order.
pub type Point = Vec<(usize, toml::Value)>;

/// One combination of the swept simulator and split values: the data that
/// every model's jobs at this point are trained and scored on.
#[derive(Clone, Debug, PartialEq)]
pub struct DataPoint {
    pub point: Point,
    /// `[simulator.config]` with the point's values set.
    pub config: toml::Table,
    pub split: SplitLabels,
}

/// One model trained and scored on one seed's data at one sweep point.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Position in the scenario's job order.
    pub index: usize,
    pub id: JobId,
    /// Index of its data point in [`Scenario::data_points`].
    pub data: usize,
    pub seed: u64,
    /// Index of the model in the scenario's `[[models]]`.
    pub model: usize,
    /// The model with the point's hyperparameters set.
    pub spec: ModelSpec,
    /// Every swept value that applies to this job.
    pub point: Point,
}

/// Enumerates the data points and jobs of a parsed scenario.
pub(super) fn enumerate(scenario: &Scenario) -> Result<(Vec<DataPoint>, Vec<Job>), ScenarioError> {
    let sweep = &scenario.sweep;
    let is_data_axis = |axis: &Vec<usize>| axis.iter().any(|&k| sweep.keys[k].target.is_data());
    let data_axes: Vec<&Vec<usize>> = sweep.axes.iter().filter(|a| is_data_axis(a)).collect();
    let mut data_points = Vec::new();
    for point in product(scenario, &data_axes) {
        let mut config = scenario.simulator.config.clone();
        let mut split = scenario.split.clone();
        for (k, value) in &point {
            match &sweep.keys[*k].target {
                SweptTarget::Simulator(key) => set(scenario, *k, &mut config, key, value)?,
                SweptTarget::Split(field) => set_split(scenario, *k, &mut split, field, value)?,
                SweptTarget::Model { .. } => {}
            }
        }
        data_points.push(DataPoint { point, config, split });
    }

    let model_points: Vec<Vec<Point>> = (scenario.models.iter())
        .map(|spec| {
            let touches = |axis: &&Vec<usize>| {
                !is_data_axis(axis)
                    && axis.iter().any(|&k| matches!(&sweep.keys[k].target, SweptTarget::Model { label, .. } if *label == spec.label))
            };
            product(scenario, &sweep.axes.iter().filter(touches).collect::<Vec<_>>())
        })
        .collect();
    let mut jobs = Vec::new();
    for (data, data_point) in data_points.iter().enumerate() {
        for &seed in &scenario.seeds {
            for (model, base) in scenario.models.iter().enumerate() {
                for model_point in &model_points[model] {
                    let mut point = data_point.point.clone();
                    point.extend(model_point.iter().cloned());
                    point.sort_by_key(|(k, _)| *k);
                    let spec = resolve_model(scenario, base, &point)?;
                    let id = job_id(scenario, data_point, &spec, seed)?;
                    jobs.push(Job { index: jobs.len(), id, data, seed, model, spec, point });
                }
            }
        }
    }
    refuse_duplicates(scenario, &jobs)?;
    Ok((data_points, jobs))
}

/// Every combination of one position on each axis, first axis slowest.
fn product(scenario: &Scenario, axes: &[&Vec<usize>]) -> Vec<Point> {
    let keys = &scenario.sweep.keys;
    let mut points: Vec<Point> = vec![Vec::new()];
    for axis in axes {
        let len = keys[axis[0]].values.len();
        points = (points.into_iter())
            .flat_map(|p| (0..len).map(move |i| (p.clone(), i)))
            .map(|(mut p, i)| {
                p.extend(axis.iter().map(|&k| (k, keys[k].values[i].clone())));
                p
            })
            .collect();
    }
    points
}

fn swept_error(scenario: &Scenario, key: usize, message: String) -> ScenarioError {
    let swept = &scenario.sweep.keys[key];
    let (line, column) = line_column(&scenario.source, swept.offset);
    ScenarioError::At { file: scenario.path.clone(), line, column, message: format!("in [sweep]: `{}`: {message}", swept.path), hint: None }
}

/// Sets `value` at a path of nested keys, creating missing tables. A
/// number after an array's key picks an element of the array, counted from
/// 0 (`violations.0.strength`, or `time_values.2` for a whole element), so
/// one entry of an array can be swept without repeating the whole array.
fn set(scenario: &Scenario, k: usize, table: &mut toml::Table, path: &[String], value: &toml::Value) -> Result<(), ScenarioError> {
    let mut root = toml::Value::Table(std::mem::take(table));
    let result = set_in(&mut root, path, value, "");
    if let toml::Value::Table(t) = root {
        *table = t;
    }
    result.map_err(|message| swept_error(scenario, k, message))
}

/// [`set`] below `node`, whose path from the root is `walked`.
fn set_in(node: &mut toml::Value, path: &[String], value: &toml::Value, walked: &str) -> Result<(), String> {
    let (key, rest) = path.split_first().expect("a swept path names a key");
    let child = match node {
        toml::Value::Table(table) if rest.is_empty() => {
            table.insert(key.clone(), value.clone());
            return Ok(());
        }
        toml::Value::Table(table) => table.entry(key.clone()).or_insert_with(|| toml::Value::Table(toml::Table::new())),
        toml::Value::Array(items) => {
            let len = items.len();
            let index = key.parse::<usize>().ok().filter(|&i| i < len);
            let index = index.ok_or_else(|| format!("`{walked}` is an array of {len} elements, numbered from 0: `{key}` is not one of them"))?;
            if rest.is_empty() {
                items[index] = value.clone();
                return Ok(());
            }
            &mut items[index]
        }
        _ => return Err(format!("`{walked}` is a value, not a table or an array: `{key}` cannot be set inside it")),
    };
    let walked = if walked.is_empty() { key.clone() } else { format!("{walked}.{key}") };
    set_in(child, rest, value, &walked)
}

fn set_split(scenario: &Scenario, k: usize, split: &mut SplitLabels, field: &str, value: &toml::Value) -> Result<(), ScenarioError> {
    let invalid = |what: &str| swept_error(scenario, k, format!("each value must be a list of {what}, got {value}"));
    let items = value.as_array();
    if field == "held_out_perturbations" {
        let labels = items.and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect());
        split.held_out_perturbations = labels.ok_or_else(|| invalid("perturbation labels such as \"P0+P1\""))?;
    } else {
        let times = items.and_then(|a| a.iter().map(|v| v.as_integer().and_then(|t| u32::try_from(t).ok())).collect());
        split.held_out_time_points = times.ok_or_else(|| invalid("time point indices"))?;
    }
    Ok(())
}

/// `base` with the hyperparameters `point` sweeps for it.
fn resolve_model(scenario: &Scenario, base: &ModelSpec, point: &Point) -> Result<ModelSpec, ScenarioError> {
    let mine: Vec<(usize, &Vec<String>, &toml::Value)> = (point.iter())
        .filter_map(|(k, v)| match &scenario.sweep.keys[*k].target {
            SweptTarget::Model { label, key } if *label == base.label => Some((*k, key, v)),
            _ => None,
        })
        .collect();
    if mine.is_empty() {
        return Ok(base.clone());
    }
    let mut table = hyperparameter_table(scenario, base)?;
    for (k, key, value) in mine {
        set(scenario, k, &mut table, key, value)?;
    }
    let hyperparameters = toml::to_string(&table).map_err(|e| ScenarioError::Invalid {
        file: scenario.path.clone(),
        message: format!("swept hyperparameters of `{}` cannot be written as TOML: {e}", base.label),
    })?;
    Ok(ModelSpec { hyperparameters, ..base.clone() })
}

fn hyperparameter_table(scenario: &Scenario, spec: &ModelSpec) -> Result<toml::Table, ScenarioError> {
    toml::from_str(&spec.hyperparameters).map_err(|e| ScenarioError::Invalid {
        file: scenario.path.clone(),
        message: format!("hyperparameters of `{}` are not a TOML table: {e}", spec.label),
    })
}

fn job_id(scenario: &Scenario, data: &DataPoint, spec: &ModelSpec, seed: u64) -> Result<JobId, ScenarioError> {
    let mut h = Fnv::new();
    h.text("citebench job 1");
    h.text(&scenario.simulator.name);
    h.value(&toml::Value::Table(data.config.clone()));
    h.list(&data.split.held_out_perturbations, |h, p| h.text(p));
    h.list(&data.split.held_out_time_points, |h, t| h.bytes(&t.to_le_bytes()));
    h.text(&spec.plugin);
    h.text(&spec.label);
    h.value(&toml::Value::Table(hyperparameter_table(scenario, spec)?));
    h.bytes(&seed.to_le_bytes());
    h.list(&scenario.metrics, |h, m| h.text(m));
    Ok(JobId(h.0))
}

fn refuse_duplicates(scenario: &Scenario, jobs: &[Job]) -> Result<(), ScenarioError> {
    let mut ids: Vec<(JobId, usize)> = jobs.iter().map(|j| (j.id, j.index)).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0].0 == w[1].0) {
        let (a, b) = (&jobs[w[0].1], &jobs[w[1].1]);
        let message = format!(
            "two jobs would run the same configuration ({} and {}): a seed or a swept value is repeated",
            scenario.job_label(a),
            scenario.job_label(b)
        );
        return Err(ScenarioError::Invalid { file: scenario.path.clone(), message });
    }
    Ok(())
}

/// FNV-1a over a canonical, self-delimiting encoding of values.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// Length first, so that no two sequences of texts encode alike.
    fn text(&mut self, text: &str) {
        self.bytes(&(text.len() as u64).to_le_bytes());
        self.bytes(text.as_bytes());
    }

    fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        self.bytes(&(items.len() as u64).to_le_bytes());
        items.iter().for_each(|item| each(self, item));
    }

    fn value(&mut self, value: &toml::Value) {
        match value {
            toml::Value::String(s) => {
                self.bytes(b"s");
                self.text(s);
            }
            toml::Value::Integer(i) => {
                self.bytes(b"i");
                self.bytes(&i.to_le_bytes());
            }
            toml::Value::Float(f) => {
                self.bytes(b"f");
                self.bytes(&f.to_bits().to_le_bytes());
            }
            toml::Value::Boolean(b) => self.bytes(if *b { b"b1" } else { b"b0" }),
            toml::Value::Datetime(d) => {
                self.bytes(b"d");
                self.text(&d.to_string());
            }
            toml::Value::Array(items) => {
                self.bytes(b"a");
                self.list(items, Self::value);
            }
            toml::Value::Table(table) => {
                // Sorted explicitly: toml's map keeps insertion order when
                // its `preserve_order` feature is on.
                let mut entries: Vec<(&String, &toml::Value)> = table.iter().collect();
                entries.sort_by_key(|(k, _)| *k);
                self.bytes(b"t");
                self.list(&entries, |h, (k, v)| {
                    h.text(k);
                    h.value(v);
                });
            }
        }
    }
}

/// One of `count` parts of a scenario's jobs, numbered from 1, as
/// `--shard index/count` writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let invalid = || format!("`{text}` is not a shard: write INDEX/COUNT with 1 <= INDEX <= COUNT, such as 2/8");
        let (index, count) = text.split_once('/').ok_or_else(invalid)?;
        let (index, count): (u32, u32) = (index.trim().parse().map_err(|_| invalid())?, count.trim().parse().map_err(|_| invalid())?);
        if index == 0 || index > count {
            return Err(invalid());
        }
        Ok(Self { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// This shard's jobs, in job order. Jobs are dealt round robin in the
    /// order of their ids, a fixed pseudo-random order: each shard gets
    /// its share of every model and sweep point (dealing in job order
    /// would give one shard all jobs of one model when the shard count
    /// divides the model count), and the counts differ by at most one.
    pub fn select<'a>(&self, jobs: &'a [Job]) -> Vec<&'a Job> {
        let mut by_id: Vec<&Job> = jobs.iter().collect();
        by_id.sort_by_key(|j| j.id);
        let mut mine: Vec<&Job> =
            (by_id.into_iter().enumerate()).filter(|(rank, _)| *rank as u32 % self.count == self.index - 1).map(|(_, j)| j).collect();
        mine.sort_by_key(|j| j.index);
        mine
    }
}

impl Scenario {
    /// The combinations of swept simulator and split values (one, without
    /// such keys), in job order.
    pub fn data_points(&self) -> &[DataPoint] {
        &self.data_points
    }

    /// Every job of the scenario, in the order results.csv keeps.
    pub fn jobs(&self) -> &[Job] {
        &self.jobs
    }

    /// The swept paths, in sweep order: the extra columns of results.csv.
    pub fn swept_paths(&self) -> Vec<String> {
        self.sweep.keys.iter().map(|k| k.path.clone()).collect()
    }

    /// `name=value` for each value of `point`, with short key names; empty
    /// without a sweep.
    pub fn point_label(&self, point: &Point) -> String {
        let names = super::sweep::short_names(&self.swept_paths());
        let parts: Vec<String> = point.iter().map(|(k, v)| format!("{}={}", names[*k], value_text(v))).collect();
        parts.join(" ")
    }

    /// "seed 3 · pca · time_points=4": a job as a person reads it.
    pub fn job_label(&self, job: &Job) -> String {
        let point = self.point_label(&job.point);
        let mut text = format!("seed {} · {}", job.seed, job.spec.label);
        if !point.is_empty() {
            text.push_str(" · ");
            text.push_str(&point);
        }
        text
    }

    /// The swept values of a job as results.csv writes them: (column, text).
    pub fn point_columns(&self, job: &Job) -> Vec<(String, String)> {
        job.point.iter().map(|(k, v)| (self.sweep.keys[*k].path.clone(), value_text(v))).collect()
    }
}
