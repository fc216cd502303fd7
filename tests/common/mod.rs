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
