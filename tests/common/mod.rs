//! Helpers for the end-to-end tests: where the freshly built plugins are,
//! and how to run the CLI on a scenario.

#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `cargo test` builds the plugin dev-dependencies into the directory of
/// the test binaries (`target/<profile>/deps/`); loading from
/// `target/<profile>/` instead could pick up a stale `.so`.
pub fn plugin_dir() -> PathBuf {
    std::env::current_exe().unwrap().parent().unwrap().to_path_buf()
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `citebench ARGS --plugin-dir <fresh plugins>`.
pub fn citebench(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_citebench"))
        .args(args)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .current_dir(repo_root())
        .output()
        .expect("the citebench binary runs")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A results.csv as records keyed by header name.
pub fn read_results(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| header.iter().map(String::from).zip(r.unwrap().iter().map(String::from)).collect())
        .collect()
}

/// Writes `text` as a scenario file in `dir` and returns its path as a string.
pub fn write_scenario(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// Runs `citebench ARGS --plugin-dir <fresh plugins>` in the background.
pub fn spawn_citebench(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_citebench"))
        .args(args)
        .arg("--plugin-dir")
        .arg(plugin_dir())
        .current_dir(repo_root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the citebench binary starts")
}

/// A results.csv's records, in file order, without the `seconds` column:
/// what must be equal between two runs of one scenario.
pub fn results_without_seconds(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let seconds = header.iter().position(|c| c == "seconds").expect("a seconds column");
    let mut records = vec![header.iter().map(String::from).collect::<Vec<_>>()];
    records.extend(reader.records().map(|r| r.unwrap().iter().map(String::from).collect()));
    for record in &mut records {
        record.remove(seconds);
    }
    records
}

/// How many jobs results.csv holds complete: runs of rows with one job id
/// as long as their `job_rows`, each ending in a newline.
pub fn complete_jobs(path: &Path) -> usize {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines = text.split_inclusive('\n').filter(|l| l.ends_with('\n')).skip(1);
    let mut complete = 0;
    let mut current: Option<(String, usize, usize)> = None;
    for line in lines {
        let fields: Vec<&str> = line.trim_end().rsplitn(3, ',').collect();
        let (job, rows) = (fields[1].to_string(), fields[0].parse().unwrap_or(0));
        match &mut current {
            Some((id, _, seen)) if *id == job => *seen += 1,
            _ => current = Some((job, rows, 1)),
        }
        if let Some((_, rows, seen)) = &current
            && seen == rows
        {
            complete += 1;
        }
    }
    complete
}
