//! Results files as sets of jobs: resuming a run, putting a finished run's
//! rows in job order, and merging the files of shards.
//!
//! Workers finish jobs in an order that depends on timing, so a run writes
//! job blocks as they come and, once every job is done, rewrites the file
//! with the blocks in job order if they are not (through a temporary file
//! and a rename, so a kill during the rewrite leaves the unordered file
//! whole). Two runs of
//! one scenario then give the same file apart from `seconds`, whatever the
//! parallelism, the interruptions, or the sharding.

use super::results::{JobRows, ResultsError, ResultsTable, ResultsWriter};
use crate::scenario::{Job, JobId, Scenario};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Opens results.csv of an interrupted run of `jobs` to add the jobs still
/// missing, and returns the jobs already complete, in file order. Rows of
/// jobs a killed run left incomplete are removed first; a file that holds
/// jobs outside `jobs` (another scenario, an edited one, another shard) is
/// refused rather than mixed with new results.
pub fn resume(path: &Path, scenario: &Scenario, jobs: &[&Job]) -> Result<(ResultsWriter, Vec<JobRows>), ResultsError> {
    let table = read_for(path, scenario)?;
    let wanted: HashSet<JobId> = jobs.iter().map(|j| j.id).collect();
    if let Some(stranger) = table.jobs.iter().find(|j| !wanted.contains(&j.id)) {
        let message = format!(
            "holds job {} ({}) that this run does not have: the scenario changed since it was written, or it is another shard's; choose another --out",
            stranger.id,
            describe_rows(stranger)
        );
        return Err(ResultsError::Mismatch { path: path.to_path_buf(), message });
    }
    if !table.incomplete.is_empty() || table.unfinished_line {
        rewrite(path, &table.swept, table.jobs.iter())?;
    }
    let writer = ResultsWriter::append(path, &table.swept)?;
    Ok((writer, table.jobs))
}

/// Puts a finished run's results.csv in the order of `jobs` (the run's
/// jobs, in job order). `done` holds the rows of every job in the order
/// the file has them; the file is rewritten only if that order differs.
pub fn finalize(path: &Path, scenario: &Scenario, jobs: &[&Job], mut done: Vec<JobRows>) -> Result<ResultsTable, ResultsError> {
    let order: HashMap<JobId, usize> = jobs.iter().map(|j| (j.id, j.index)).collect();
    if let Some(stranger) = done.iter().find(|j| !order.contains_key(&j.id)) {
        return Err(ResultsError::Mismatch {
            path: path.to_path_buf(),
            message: format!("holds job {} that this run does not have", stranger.id),
        });
    }
    let swept = scenario.swept_paths();
    if !done.windows(2).all(|w| order[&w[0].id] < order[&w[1].id]) {
        done.sort_by_key(|j| order[&j.id]);
        rewrite(path, &swept, done.iter())?;
    }
    Ok(ResultsTable { path: path.to_path_buf(), swept, jobs: done, incomplete: Vec::new(), unfinished_line: false })
}

/// Merges the results files of a scenario's shards into `out`, in job
/// order, after checking that together they hold every job of the
/// scenario exactly once. Returns the merged table.
pub fn merge(out: &Path, scenario: &Scenario, inputs: &[PathBuf]) -> Result<ResultsTable, ResultsError> {
    let known: HashSet<JobId> = scenario.jobs().iter().map(|j| j.id).collect();
    let mut found: HashMap<JobId, (JobRows, &Path)> = HashMap::new();
    let mut incomplete = 0;
    for input in inputs {
        let table = read_for(input, scenario)?;
        incomplete += table.incomplete.len();
        for job in table.jobs {
            if !known.contains(&job.id) {
                let message = format!("holds job {} ({}) that {} does not have", job.id, describe_rows(&job), scenario.path.display());
                return Err(ResultsError::Mismatch { path: input.clone(), message });
            }
            if let Some((_, first)) = found.get(&job.id) {
                let message = format!("job {} ({}) is also in {}: merge each shard once", job.id, describe_rows(&job), first.display());
                return Err(ResultsError::Mismatch { path: input.clone(), message });
            }
            found.insert(job.id, (job, input));
        }
    }
    let missing: Vec<&Job> = scenario.jobs().iter().filter(|j| !found.contains_key(&j.id)).collect();
    if !missing.is_empty() {
        let listed: Vec<String> = missing.iter().take(5).map(|j| format!("{} ({})", j.id, scenario.job_label(j))).collect();
        let more = if missing.len() > 5 { format!(" and {} more", missing.len() - 5) } else { String::new() };
        let cut = if incomplete > 0 { format!("; {incomplete} of them were cut short by an interrupted run") } else { String::new() };
        let message = format!(
            "{} of the {} jobs of {} are in none of the files: {}{more}{cut}; rerun their shards with --resume",
            missing.len(),
            scenario.jobs().len(),
            scenario.path.display(),
            listed.join(", ")
        );
        return Err(ResultsError::Mismatch { path: out.to_path_buf(), message });
    }
    let jobs: Vec<JobRows> = scenario.jobs().iter().filter_map(|j| found.remove(&j.id).map(|(rows, _)| rows)).collect();
    let swept = scenario.swept_paths();
    let mut writer = ResultsWriter::create(out, &swept)?;
    for job in &jobs {
        writer.write_job(&job.rows)?;
    }
    Ok(ResultsTable { path: out.to_path_buf(), swept, jobs, incomplete: Vec::new(), unfinished_line: false })
}

/// Reads a results file and checks that its swept columns are the scenario's.
fn read_for(path: &Path, scenario: &Scenario) -> Result<ResultsTable, ResultsError> {
    let table = ResultsTable::read(path)?;
    let swept = scenario.swept_paths();
    if table.swept != swept {
        let list = |c: &[String]| if c.is_empty() { "none".to_string() } else { c.join(", ") };
        let message = format!(
            "its swept columns ({}) are not those of {} ({}): it holds another scenario's results",
            list(&table.swept),
            scenario.path.display(),
            list(&swept)
        );
        return Err(ResultsError::Mismatch { path: path.to_path_buf(), message });
    }
    Ok(table)
}

/// Replaces `path` by a file holding `jobs`, through a temporary file.
fn rewrite<'a>(path: &Path, swept: &[String], jobs: impl Iterator<Item = &'a JobRows>) -> Result<(), ResultsError> {
    let name = path.file_name().map_or_else(|| "results.csv".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!("{name}.tmp"));
    if temporary.exists() {
        std::fs::remove_file(&temporary).map_err(|e| ResultsError::io(&temporary, "cannot remove", e))?;
    }
    let mut writer = ResultsWriter::create(&temporary, swept)?;
    for job in jobs {
        writer.write_job(&job.rows)?;
    }
    drop(writer);
    std::fs::rename(&temporary, path).map_err(|e| ResultsError::io(path, "cannot replace", e))
}

/// "seed 3 · pca · time_points=4" from a job's rows.
fn describe_rows(job: &JobRows) -> String {
    let Some(row) = job.rows.first() else { return String::new() };
    let mut text = format!("seed {} · {}", row.seed, row.model);
    for (column, value) in &row.point {
        text.push_str(&format!(" · {column}={value}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::results::ResultRow;

    const SCENARIO: &str = r#"
seeds = [1, 2]
metrics = ["mcc"]
[simulator]
name = "latent-scm"
[[models]]
plugin = "pca"
[[models]]
plugin = "control-mean"
[sweep]
simulator.config.time_points = [2, 4]
"#;

    fn scenario() -> Scenario {
        Scenario::parse(Path::new("sweep.toml"), SCENARIO.to_string()).unwrap()
    }

    /// Rows as a job would write them: a few per job, the count varying.
    fn rows(s: &Scenario, job: &Job) -> Vec<ResultRow> {
        (0..=job.index % 3)
            .map(|t| ResultRow {
                time_point: (t > 0).then_some(t as f32),
                value: Some(job.index as f64 + t as f64 / 10.0),
                point: s.point_columns(job),
                job: Some(job.id),
                message: "a, \"quoted\"\nmessage".into(),
                ..ResultRow::new(s, job.seed, &job.spec.label, "mcc")
            })
            .collect()
    }

    fn write(path: &Path, s: &Scenario, order: impl Iterator<Item = usize>) {
        let mut writer = ResultsWriter::create(path, &s.swept_paths()).unwrap();
        for i in order {
            writer.write_job(&rows(s, &s.jobs()[i])).unwrap();
        }
    }

    #[test]
    fn a_job_cut_short_is_dropped_and_resumed_to_the_same_file() {
        let (s, dir) = (scenario(), tempfile::tempdir().unwrap());
        let jobs: Vec<&Job> = s.jobs().iter().collect();
        let path = dir.path().join("results.csv");
        write(&path, &s, 0..jobs.len());
        let whole = std::fs::read_to_string(&path).unwrap();
        let table = ResultsTable::read(&path).unwrap();
        assert_eq!(table.jobs.len(), 8);
        let expected: Vec<ResultRow> =
            (rows(&s, jobs[2]).into_iter()).map(|r| ResultRow { message: r.message.replace('\n', " "), ..r }).collect();
        assert_eq!(table.jobs[2].rows, expected, "rows read back as written, a newline as a space");
        // Killed inside the last job's block (two rows): mid-row, between
        // its rows, or inside its first row.
        let starts: Vec<usize> = whole.match_indices('\n').map(|(i, _)| i + 1).collect();
        let (first_row, second_row) = (starts[starts.len() - 3], starts[starts.len() - 2]);
        for cut in [whole.len() - 7, second_row, first_row + 5] {
            std::fs::write(&path, &whole[..cut]).unwrap();
            let table = ResultsTable::read(&path).unwrap();
            assert_eq!(table.jobs.len(), 7, "cut at {cut}");
            let (mut writer, mut done) = resume(&path, &s, &jobs).unwrap();
            assert_eq!(done.len(), 7);
            assert!(done.iter().all(|j| j.id != jobs[7].id));
            writer.write_job(&rows(&s, jobs[7])).unwrap();
            done.push(JobRows { id: jobs[7].id, rows: rows(&s, jobs[7]) });
            finalize(&path, &s, &jobs, done).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), whole, "cut at {cut}");
        }
    }

    #[test]
    fn finalize_puts_jobs_in_job_order() {
        let (s, dir) = (scenario(), tempfile::tempdir().unwrap());
        let jobs: Vec<&Job> = s.jobs().iter().collect();
        let (ordered, shuffled) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
        write(&ordered, &s, 0..8);
        write(&shuffled, &s, [5, 0, 7, 1, 6, 2, 4, 3].into_iter());
        let done = ResultsTable::read(&shuffled).unwrap().jobs;
        let table = finalize(&shuffled, &s, &jobs, done).unwrap();
        assert!(table.jobs.iter().enumerate().all(|(i, j)| j.id == jobs[i].id));
        assert_eq!(std::fs::read_to_string(&shuffled).unwrap(), std::fs::read_to_string(&ordered).unwrap());
    }

    #[test]
    fn merge_refuses_missing_duplicated_and_foreign_jobs() {
        let (s, dir) = (scenario(), tempfile::tempdir().unwrap());
        let file = |name: &str, order: &[usize]| {
            let path = dir.path().join(name);
            write(&path, &s, order.iter().copied());
            path
        };
        let (a, b, c) = (file("a.csv", &[0, 2, 4, 6]), file("b.csv", &[1, 3, 5]), file("c.csv", &[7, 2]));
        let err = merge(&dir.path().join("m1.csv"), &s, &[a.clone(), b.clone()]).unwrap_err().to_string();
        assert!(
            err.contains("1 of the 8 jobs of sweep.toml are in none of the files") && err.contains("rerun their shards with --resume"),
            "{err}"
        );
        let err = merge(&dir.path().join("m2.csv"), &s, &[a.clone(), b.clone(), c.clone()]).unwrap_err().to_string();
        assert!(err.contains(&format!("job {} (seed 2 · pca · simulator.config.time_points=2) is also in", s.jobs()[2].id)), "{err}");
        let other = Scenario::parse(Path::new("other.toml"), SCENARIO.replace("[2, 4]", "[2, 5]")).unwrap();
        let err = merge(&dir.path().join("m3.csv"), &other, std::slice::from_ref(&a)).unwrap_err().to_string();
        assert!(err.contains("that other.toml does not have"), "{err}");
        let merged = merge(&dir.path().join("m.csv"), &s, &[b, a, file("d.csv", &[7])]).unwrap();
        assert_eq!(merged.jobs.len(), 8);
        let whole = file("whole.csv", &[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(std::fs::read_to_string(dir.path().join("m.csv")).unwrap(), std::fs::read_to_string(whole).unwrap());
    }

    #[test]
    fn resume_refuses_results_of_other_jobs() {
        let (s, dir) = (scenario(), tempfile::tempdir().unwrap());
        let path = dir.path().join("results.csv");
        write(&path, &s, 0..8);
        let shard: Vec<&Job> = s.jobs().iter().take(4).collect();
        let err = resume(&path, &s, &shard).err().unwrap().to_string();
        assert!(err.contains("that this run does not have") && err.contains("choose another --out"), "{err}");
        let unswept = Scenario::parse(Path::new("plain.toml"), SCENARIO[..SCENARIO.find("[sweep]").unwrap()].to_string()).unwrap();
        let jobs: Vec<&Job> = unswept.jobs().iter().collect();
        let err = resume(&path, &unswept, &jobs).err().unwrap().to_string();
        assert!(err.contains("its swept columns (simulator.config.time_points) are not those of plain.toml (none)"), "{err}");
    }
}
