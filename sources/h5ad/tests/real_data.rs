//! The source on the real files in ../shared/data, against scanpy and
//! numpy values computed by fixtures/make_fixtures.py: log-normalised
//! cells, Seurat-flavour highly variable genes, and pseudo-bulk means.
//! The files are not in the repository; a missing one fails with its path.

use citebench_anndata::AnnData;
use citebench_core::data::Simulation;
use citebench_h5ad_source::H5adSource;
use citebench_prepare::{GeneMoments, Normalisation, highly_variable_genes};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const PAPALEXI: &str = "papalexi2021_thp1_eccite_sceptredata.h5ad";
const ZSCAPE: &str = "zscape_saunders2023_embryo_by_celltype.h5ad";

/// `../shared/data/NAME` from the repository root.
fn shared_data(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(name);
    assert!(
        path.exists(),
        "{} is missing: the real-data tests read ../shared/data/ beside the repository (see README, Real data)",
        path.display()
    );
    path
}

fn fixture(name: &str) -> csv::Reader<std::fs::File> {
    csv::Reader::from_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

fn load(name: &str, extra: &str) -> Simulation {
    let text = format!("path = {:?}\n{extra}", shared_data(name).to_str().unwrap());
    H5adSource::new(".").load(&citebench_h5ad_source::H5adConfig::from_table(&toml::from_str(&text).unwrap()).unwrap()).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

#[test]
fn cells_are_log_normalised_as_scanpy_does() {
    let sim = load(PAPALEXI, "perturbation = \"target\"\ncontrol = [\"non-targeting\"]");
    let x = sim.dataset.observations.x();
    assert_eq!((x.rows(), x.cols()), (20_729, 299));
    let mut reader = fixture("papalexi_cells.csv");
    let genes: Vec<String> = reader.headers().unwrap().iter().skip(1).map(String::from).collect();
    assert_eq!(genes, sim.dataset.feature_names);
    for (row, record) in reader.records().enumerate() {
        for (gene, value) in record.unwrap().iter().skip(1).enumerate() {
            let expected: f64 = value.parse().unwrap();
            assert!(close(f64::from(x.get(row, gene)), expected, 1e-6), "cell {row}, {}: {} vs scanpy {expected}", genes[gene], x.get(row, gene));
        }
    }
}

#[test]
fn highly_variable_genes_match_scanpy_seurat_flavour() {
    let path = shared_data(PAPALEXI);
    let data = AnnData::open(&path).unwrap();
    let normalisation = Normalisation { target_sum: Some(1e4), log1p: true };
    let mut moments = GeneMoments::new(data.n_vars());
    data.x_rows(1 << 30, |block| {
        for r in 0..block.rows() {
            let (columns, values) = block.row(r);
            let scale = normalisation.scale(Normalisation::total(values));
            moments.add(columns, values.iter().map(|&v| normalisation.scaled(v, scale)));
        }
    })
    .unwrap();
    let hvg = highly_variable_genes(&moments, 100, 20).unwrap();
    let mut expected_selected = Vec::new();
    for (g, record) in fixture("papalexi_hvg.csv").records().enumerate() {
        let record = record.unwrap();
        let number = |i: usize| record[i].parse::<f64>().unwrap_or(f64::NAN);
        assert!(close(hvg.means[g], number(1), 1e-6), "{}: means {} vs {}", &record[0], hvg.means[g], number(1));
        assert!(close(hvg.dispersions[g], number(2), 1e-5), "{}: dispersions {} vs {}", &record[0], hvg.dispersions[g], number(2));
        let (ours, theirs) = (hvg.dispersions_norm[g], number(3));
        assert!(ours.is_nan() == theirs.is_nan() && (ours.is_nan() || close(ours, theirs, 1e-4)), "{}: dispersions_norm {ours} vs {theirs}", &record[0]);
        if &record[4] == "True" {
            expected_selected.push(g);
        }
    }
    assert_eq!(hvg.selected, expected_selected);

    // The same selection through the source.
    let sim = load(PAPALEXI, "perturbation = \"target\"\ncontrol = [\"non-targeting\"]\nhighly_variable_genes = 100");
    let names = data.var_names().unwrap();
    let expected: Vec<&String> = expected_selected.iter().map(|&g| &names[g]).collect();
    assert_eq!(sim.dataset.feature_names.iter().collect::<Vec<_>>(), expected);
}

/// Compares each pseudo-bulk row with the numpy means, keyed by the two
/// group columns as the fixture writes them.
fn check_pseudobulk(sim: &Simulation, fixture_name: &str, skip: &[&str], key: impl Fn(usize) -> (String, String)) {
    let obs = &sim.dataset.observations;
    let rows: HashMap<(String, String), usize> = (0..obs.len()).map(|i| (key(i), i)).collect();
    let mut reader = fixture(fixture_name);
    let genes: Vec<String> = reader.headers().unwrap().iter().skip(3).map(String::from).collect();
    assert_eq!(genes, sim.dataset.feature_names);
    let mut seen = 0;
    for record in reader.records() {
        let record = record.unwrap();
        if skip.contains(&&record[0]) {
            continue;
        }
        let Some(&row) = rows.get(&(record[0].to_string(), record[1].to_string())) else {
            panic!("group ({}, {}) of the fixture is missing", &record[0], &record[1]);
        };
        seen += 1;
        for (g, value) in record.iter().skip(3).enumerate() {
            let expected: f64 = value.parse().unwrap();
            let ours = f64::from(obs.x().get(row, g));
            assert!(close(ours, expected, 1e-5), "({}, {}), {}: {ours} vs numpy {expected}", &record[0], &record[1], genes[g]);
        }
    }
    assert_eq!(seen, obs.len(), "every pseudo-bulk row is in the fixture");
}

#[test]
fn papalexi_pseudobulk_matches_numpy() {
    let sim = load(PAPALEXI, "perturbation = \"target\"\ncontrol = [\"non-targeting\"]\nreplicate = \"bio_rep\"\npseudobulk = true");
    let obs = &sim.dataset.observations;
    assert_eq!(obs.len(), 26 * 3);
    let reps = ["rep_1", "rep_2", "rep_3"];
    check_pseudobulk(&sim, "papalexi_pseudobulk.csv", &[], |i| {
        let label = sim.dataset.label(obs.perturbation_of(i));
        let label = if label == "control" { "non-targeting".to_string() } else { label };
        (label, reps[obs.replicate()[i] as usize].to_string())
    });
}

#[test]
fn zscape_pseudobulk_matches_numpy() {
    let sim = load(
        ZSCAPE,
        "perturbation = \"genotype\"\ncontrol = [\"ctrl-inj\"]\ntime_point = \"timepoint_hpf\"\npseudobulk = true\n\
         combination_separator = \"-\"\nexclude = [\"ctrl-hgfa\", \"ctrl-mafba\", \"ctrl-met\", \"ctrl-noto\"]\n\
         single_labels = [\"hgfa-mut\", \"mafba-mut\", \"met-mut\", \"noto-mut\", \"tbx16-mut\"]",
    );
    let obs = &sim.dataset.observations;
    assert_eq!(obs.time_values(), &[18.0, 24.0, 36.0, 48.0, 72.0]);
    // The label as the file writes it: targets joined by `-` in file order
    // are sorted here, so map each perturbation back through the labels.
    let file_labels = ["cdx4-cdx1a", "tbx16-msgn1", "tbx16-tbx16l", "tfap2a-foxd3", "wnt3a-wnt8"];
    let excluded = ["ctrl-hgfa", "ctrl-mafba", "ctrl-met", "ctrl-noto"];
    check_pseudobulk(&sim, "zscape_pseudobulk.csv", &excluded, |i| {
        let label = sim.dataset.label(obs.perturbation_of(i));
        let label = match label.as_str() {
            "control" => "ctrl-inj".to_string(),
            l if l.contains('+') => {
                let parts: Vec<&str> = l.split('+').collect();
                file_labels.iter().find(|f| { let mut p: Vec<&str> = f.split('-').collect(); p.sort(); p == parts }).unwrap().to_string()
            }
            l => l.to_string(),
        };
        (label, format!("{}", obs.time_values()[obs.time_point()[i] as usize]))
    });
}
