//! End-to-end properties of `latent-scm` through the `Simulator` trait, as
//! the runner calls it: TOML configuration in, `Simulation` out.

use citebench_core::data::{LatentBlock, Simulation};
use citebench_core::simulator::{Simulator, SimulatorError};
use citebench_latent_scm::{LatentScm, LatentScmConfig};
use proptest::prelude::*;

fn table(text: &str) -> toml::Table {
    toml::from_str(text).expect("test configurations are valid TOML")
}

fn simulate(text: &str, seed: u64) -> Simulation {
    LatentScm.simulate(&table(text), seed).expect("test configurations are valid")
}

/// A small configuration as TOML, and the values it sets.
#[derive(Clone, Debug)]
struct Small {
    invariant: usize,
    dynamic: usize,
    observed: usize,
    lags: usize,
    targets: usize,
    per_target: usize,
    time_points: usize,
    units: usize,
    replicates: usize,
    combinations: bool,
}

impl Small {
    fn toml(&self, threads: usize) -> String {
        let combinations = if self.combinations { "[\"P0+P1\"]" } else { "[]" };
        format!(
            "invariant_latents = {}\ndynamic_latents = {}\nobserved = {}\nlags = {}\ntargets = {}\n\
             latents_per_target = {}\ntime_points = {}\nunits_per_condition = {}\nreplicates = {}\n\
             combinations = {combinations}\nthreads = {threads}",
            self.invariant,
            self.dynamic,
            self.observed,
            self.lags,
            self.targets,
            self.per_target,
            self.time_points,
            self.units,
            self.replicates
        )
    }
}

fn small() -> impl Strategy<Value = Small> {
    (0usize..3, 1usize..5, 0usize..3, 1usize..3, 2usize..5, 1usize..5, 1usize..5, 1usize..5, 1usize..3, any::<bool>())
        .prop_map(|(invariant, dynamic, extra, lags, targets, per_target, time_points, units, replicates, combinations)| {
            Small {
                invariant,
                dynamic,
                observed: invariant + dynamic + extra,
                lags,
                targets,
                per_target: per_target.min(dynamic),
                time_points,
                units,
                replicates,
                combinations,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shapes_metadata_and_truth_follow_the_config(c in small(), seed in any::<u64>()) {
        let sim = simulate(&c.toml(1), seed);
        let obs = &sim.dataset.observations;
        let conditions = 1 + c.targets + usize::from(c.combinations);
        let rows = conditions * c.units * c.time_points;
        let latents = c.invariant + c.dynamic;
        prop_assert_eq!((obs.x().rows(), obs.x().cols()), (rows, c.observed));
        prop_assert_eq!((sim.truth.latents.rows(), sim.truth.latents.cols()), (rows, latents));
        prop_assert!(obs.x().all_finite() && sim.truth.latents.all_finite());
        for row in 0..rows {
            let unit = row / c.time_points;
            prop_assert_eq!(obs.unit()[row], unit as u64);
            prop_assert_eq!(obs.time_point()[row] as usize, row % c.time_points);
            prop_assert_eq!(obs.perturbation_index()[row] as usize, unit / c.units);
            prop_assert_eq!(obs.replicate()[row] as usize, (unit % c.units) % c.replicates);
        }
        let labels: Vec<String> = obs.perturbations().iter().map(|p| sim.dataset.label(p)).collect();
        let mut expected: Vec<String> = std::iter::once("control".to_string())
            .chain((0..c.targets).map(|t| format!("P{t}")))
            .collect();
        if c.combinations {
            expected.push("P0+P1".to_string());
        }
        prop_assert_eq!(labels, expected);
        prop_assert_eq!(obs.time_values(), &(0..c.time_points).map(|t| t as f32).collect::<Vec<_>>()[..]);
        prop_assert_eq!(&sim.dataset.feature_names[c.observed - 1], &format!("g{}", c.observed - 1));
        let blocks = [vec![LatentBlock::Invariant; c.invariant], vec![LatentBlock::Dynamic; c.dynamic]].concat();
        prop_assert_eq!(&sim.truth.blocks, &blocks);
        prop_assert_eq!(sim.truth.target_latents.len(), c.targets);
        for target in &sim.truth.target_latents {
            prop_assert_eq!(target.len(), c.per_target);
            prop_assert!(target.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(target.iter().all(|&i| (c.invariant..latents).contains(&i)));
        }
        let graph = &sim.truth.graph;
        prop_assert_eq!(graph.n_latents, latents);
        // W_l entries are nonzero with probability one: the graph is dense.
        prop_assert_eq!(graph.edges.len(), c.lags * c.dynamic * c.dynamic);
        prop_assert!(graph.edges.iter().all(|e| e.from >= c.invariant && e.to >= c.invariant && e.lag >= 1));
    }

    #[test]
    fn invariant_latents_stay_constant_within_a_unit(c in small(), seed in any::<u64>()) {
        let sim = simulate(&c.toml(0), seed);
        let latents = &sim.truth.latents;
        for row in 0..latents.rows() {
            let first = row - row % c.time_points;
            prop_assert_eq!(&latents.row(row)[..c.invariant], &latents.row(first)[..c.invariant]);
        }
    }

    #[test]
    fn same_seed_gives_the_same_data_whatever_the_thread_count(c in small(), seed in any::<u64>()) {
        let sequential = simulate(&c.toml(1), seed);
        prop_assert_eq!(&sequential, &simulate(&c.toml(1), seed));
        prop_assert_eq!(&sequential, &simulate(&c.toml(4), seed));
        prop_assert_eq!(&sequential, &simulate(&c.toml(0), seed));
        let other = simulate(&c.toml(1), seed ^ 1);
        prop_assert_ne!(sequential.dataset.observations.x(), other.dataset.observations.x());
    }
}

#[test]
fn default_config_simulates_ten_conditions_of_fifty_units() {
    let sim = simulate("", 0);
    assert_eq!(sim.dataset.observations.len(), 10 * 50 * 5);
    assert_eq!(sim.dataset.observations.x().cols(), 20);
    assert_eq!(sim.truth.latents.cols(), 6);
}

#[test]
fn check_reports_errors_that_name_the_key() {
    assert_eq!(LatentScm.name(), "latent-scm");
    LatentScm.check(&table("targets = 2\ncombinations = [\"P0+P1\"]")).unwrap();
    let message = |text: &str| match LatentScm.check(&table(text)) {
        Err(SimulatorError::Config(e)) => e.to_string(),
        other => panic!("`{text}` gave {other:?}"),
    };
    assert!(message("dynamic_latent = 3").contains("dynamic_latent"));
    assert!(message("observed = 3").contains("`observed` = 3"));
    assert!(message("combinations = [\"P0+Q\"]").contains("`P0+Q`"));
    assert!(message("replicates = 0").contains("`replicates`"));
    let typed = LatentScmConfig { latents_per_target: 9, ..LatentScmConfig::default() };
    assert!(typed.validate().unwrap_err().to_string().contains("`latents_per_target` = 9"));
}
