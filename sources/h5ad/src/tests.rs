//! The source on small files written here: the design, the prepared
//! values, and an error test per kind of bad input, each checking that
//! the message names the file, the column and what was expected.

use crate::{H5adConfig, H5adSource};
use citebench_anndata::write::{AttrValue, anndata_file, array, categorical, dataframe, strings, text};
use citebench_core::data::Perturbation;
use citebench_core::simulator::Simulator;
use std::path::{Path, PathBuf};

/// Six cells x three genes: perturbation `target` (NT is the control,
/// A+B a combination), `hours` numeric, `rep` categorical, `stage` text
/// that is not a number; X as CSR counts.
const LABELS: [&str; 6] = ["NT", "A", "A+B", "B", "NT", "A"];
const COUNTS: [[f32; 3]; 6] = [[1.0, 0.0, 3.0], [0.0, 2.0, 2.0], [5.0, 0.0, 0.0], [1.0, 1.0, 2.0], [0.0, 0.0, 0.0], [2.0, 2.0, 0.0]];

fn write_file(dir: &Path, x_encoding: &str) -> PathBuf {
    let mut file = anndata_file();
    let mut obs = dataframe(&mut file, "obs", &["target", "hours", "rep", "stage"]);
    strings(obs.create_dataset("_index"), &(0..6).map(|i| format!("cell{i}")).collect::<Vec<_>>());
    let categories: Vec<String> = ["A", "A+B", "B", "NT"].iter().map(|s| s.to_string()).collect();
    let codes: Vec<i32> = LABELS.iter().map(|l| categories.iter().position(|c| c == l).unwrap() as i32).collect();
    categorical(&mut obs, "target", &categories, &codes);
    array(obs.create_dataset("hours").with_f64_data(&[0.0, 0.0, 24.0, 24.0, 24.0, 24.0]));
    categorical(&mut obs, "rep", &["r1".into(), "r2".into()], &[0, 0, 0, 1, 1, 1]);
    strings(obs.create_dataset("stage"), &["early", "early", "late", "late", "late", "late"].map(String::from));
    file.add_group(obs.finish());
    let mut var = dataframe(&mut file, "var", &[]);
    strings(var.create_dataset("_index"), &["g0".into(), "g1".into(), "g2".into()]);
    file.add_group(var.finish());
    let (mut data, mut indices, mut indptr) = (Vec::new(), Vec::new(), vec![0i32]);
    for row in COUNTS {
        for (c, &v) in row.iter().enumerate().filter(|(_, v)| **v != 0.0) {
            data.push(v as i32);
            indices.push(c as i32);
        }
        indptr.push(data.len() as i32);
    }
    let mut x = file.create_group("X");
    x.set_attr("encoding-type", text(x_encoding));
    x.set_attr("encoding-version", text("0.1.0"));
    x.set_attr("shape", AttrValue::I64Array(vec![6, 3]));
    x.create_dataset("data").with_i32_data(&data);
    x.create_dataset("indices").with_i32_data(&indices);
    x.create_dataset("indptr").with_i32_data(&indptr);
    file.add_group(x.finish());
    let path = dir.join(format!("{x_encoding}.h5ad"));
    file.write(&path).unwrap();
    path
}

fn config(path: &Path, extra: &str) -> toml::Table {
    let text = format!("path = {:?}\nperturbation = \"target\"\ncontrol = [\"NT\"]\ncombination_separator = \"+\"\n{extra}", path.to_str().unwrap());
    toml::from_str(&text).unwrap()
}

fn error(path: &Path, extra: &str) -> String {
    let source = H5adSource::new(path.parent().unwrap());
    let table = config(path, extra);
    let checked = source.check(&table).err().map(|e| e.to_string());
    let loaded = source.simulate(&table, 1).err().map(|e| e.to_string()).expect("loading must fail");
    // `citebench validate` sees the same error as `run` whenever the design is at fault.
    if let Some(checked) = checked {
        assert_eq!(checked, loaded);
    }
    loaded
}

#[test]
fn design_maps_labels_times_and_replicates() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let source = H5adSource::new(dir.path());
    let sim = source.simulate(&config(Path::new("csr_matrix.h5ad"), "time_point = \"hours\"\nreplicate = \"rep\""), 7).unwrap();
    let obs = &sim.dataset.observations;
    assert_eq!(sim.dataset.target_names, ["A", "B"]);
    assert_eq!(obs.time_values(), &[0.0, 24.0]);
    assert_eq!(obs.time_point(), &[0, 0, 1, 1, 1, 1]);
    assert_eq!(obs.replicate(), &[0, 0, 0, 1, 1, 1]);
    let labels: Vec<String> = (0..6).map(|i| sim.dataset.label(obs.perturbation_of(i))).collect();
    assert_eq!(labels, ["control", "A", "A+B", "B", "control", "A"]);
    assert_eq!(obs.perturbation_of(2), &Perturbation::new([0, 1]));
    assert!(!sim.truth.has_latents());
    // log1p(count x 1e4 / total), per cell; the empty cell stays zero.
    let expected = |row: usize, gene: usize| {
        let total: f64 = COUNTS[row].iter().map(|&v| f64::from(v)).sum();
        if total == 0.0 { 0.0 } else { (f64::from(COUNTS[row][gene]) * 1e4 / total).ln_1p() as f32 }
    };
    for row in 0..6 {
        for gene in 0..3 {
            assert_eq!(obs.x().get(row, gene), expected(row, gene), "cell {row}, gene {gene}");
        }
    }
    assert_eq!(path, dir.path().join("csr_matrix.h5ad"));
}

#[test]
fn pseudobulk_averages_each_perturbation_time_and_replicate() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let source = H5adSource::new(dir.path());
    let sim = source.simulate(&config(&path, "time_point = \"hours\"\nreplicate = \"rep\"\npseudobulk = true"), 1).unwrap();
    let obs = &sim.dataset.observations;
    // Groups: control@0/r1, control@24/r2, A@0/r1, A@24/r2, B@24/r2, A+B@24/r1.
    assert_eq!(obs.len(), 6);
    let cells = source.simulate(&config(&path, "time_point = \"hours\"\nreplicate = \"rep\""), 1).unwrap();
    let a = Perturbation::new([0]);
    let a_late: Vec<usize> = cells.dataset.observations.rows_where(&a, 1);
    assert_eq!(a_late, vec![5]);
    let a_bulk = obs.rows_where(&a, 1);
    assert_eq!(obs.x().row(a_bulk[0]), cells.dataset.observations.x().row(5));
    let control_late = obs.rows_where(&Perturbation::control(), 1);
    // Only cell 4, which is empty, is a control at 24 h.
    assert_eq!(obs.x().row(control_late[0]), &[0.0, 0.0, 0.0]);
}

#[test]
fn highly_variable_genes_keep_the_most_dispersed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let sim = H5adSource::new(dir.path()).simulate(&config(&path, "highly_variable_genes = 2\nhvg_bins = 1"), 1).unwrap();
    assert_eq!(sim.dataset.feature_names.len(), 2);
}

#[test]
fn missing_obs_column_names_file_column_and_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let err = error(&path, "replicate = \"reps\"");
    assert!(err.contains("csr_matrix.h5ad: `obs/reps`: no such obs column (the file has: target, hours, rep, stage); did you mean `rep`?"), "{err}");
    assert!(err.contains("(the `replicate` column)"), "{err}");
}

#[test]
fn wrong_encoding_names_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let err = error(&path, "time_point = \"stage\"");
    assert!(err.contains("csr_matrix.h5ad: obs column `stage` (`time_point`): cell 0 has `early`; expected a number"), "{err}");
    let coo = write_file(dir.path(), "coo_matrix");
    let err = error(&coo, "");
    assert!(err.contains("coo_matrix.h5ad: `X`: encoding `coo_matrix`: expected a dense array, csr_matrix or csc_matrix"), "{err}");
}

#[test]
fn truncated_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.h5ad");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let err = error(&cut, "");
    assert!(err.contains("cut.h5ad") && err.contains("truncated"), "{err}");
}

#[test]
fn label_without_cells_names_the_column_the_key_and_the_labels() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let err = error(&path, "perturbations = [\"A\", \"C\"]");
    assert!(
        err.contains("csr_matrix.h5ad: obs column `target` has no cells labelled `C` (named in `perturbations`); its labels are: A, A+B, B, NT"),
        "{err}"
    );
    let table: toml::Table = toml::from_str(&format!("path = {:?}\nperturbation = \"target\"\ncontrol = [\"ctrl\"]", path.to_str().unwrap())).unwrap();
    let err = H5adSource::new(dir.path()).check(&table).unwrap_err().to_string();
    assert!(err.contains("no cells labelled `ctrl` (named in `control`)"), "{err}");
    let err = error(&path, "min_cells = 3");
    assert!(err.contains("control label `NT` has 2 cells, fewer than min_cells = 3"), "{err}");
}

#[test]
fn min_cells_drops_small_perturbations() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let sim = H5adSource::new(dir.path()).simulate(&config(&path, "min_cells = 2"), 1).unwrap();
    let labels: Vec<String> = sim.dataset.observations.perturbations().iter().map(|p| sim.dataset.label(p)).collect();
    assert_eq!(labels, ["control", "A"]);
    let capped = H5adSource::new(dir.path()).simulate(&config(&path, "max_cells_per_label = 1"), 1).unwrap();
    assert_eq!(capped.dataset.observations.unit(), &[0, 1, 2, 3]);
}

#[test]
fn missing_file_and_memory_limit_fail_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let err = error(&dir.path().join("absent.h5ad"), "");
    assert!(err.contains("absent.h5ad: no such file (`path` = "), "{err}");
    let path = write_file(dir.path(), "csr_matrix");
    let err = error(&path, "max_memory_gib = 1e-9");
    assert!(err.contains("csr_matrix.h5ad: 6 cells x 3 genes would take") && err.contains("above max_memory_gib = 0.000000001"), "{err}");
}

#[test]
fn config_errors_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(dir.path(), "csr_matrix");
    let e = H5adConfig::from_table(&config(&path, "pseudo_bulk = true")).unwrap_err();
    assert_eq!(e.nearest_key(), Some("pseudobulk"));
}
