//! Properties of the mechanisms that need the world's insides: the
//! intervention touches exactly the latents it claims, and never a control.

use bevy_ecs::prelude::*;
use proptest::prelude::*;

use crate::config::LatentScmConfig;
use crate::scm::Scm;
use crate::unit::{Condition, DynamicLatents, Intervened, UnitId};
use crate::world::SimWorld;
use crate::{intervention, observation, population, transition};

/// Small configurations that still exercise every option.
fn small_config() -> impl Strategy<Value = LatentScmConfig> {
    (0usize..3, 1usize..5, 0usize..3, 1usize..4, 1usize..3, 1u32..5, 1usize..5, 0.5f64..3.0, 1u32..5, 1usize..5)
        .prop_flat_map(|(m, n, extra, layers, lags, targets, per_target, effect, time_points, units)| {
            let combinations = if targets >= 2 { vec![format!("P{}+P0", targets - 1)] } else { vec![] };
            (prop_oneof![Just(0usize), Just(1), Just(3)], 1u32..3).prop_map(move |(threads, replicates)| {
                LatentScmConfig {
                    invariant_latents: m,
                    dynamic_latents: n,
                    observed: m + n + extra,
                    mixing_layers: layers,
                    lags,
                    targets,
                    latents_per_target: per_target.min(n),
                    combinations: combinations.clone(),
                    effect_size: effect,
                    time_points,
                    units_per_condition: units,
                    replicates,
                    transition_noise: 0.1,
                    observation_noise: 0.05,
                    threads,
                }
            })
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Removing the intervention plugin changes no control row, bit for bit,
    /// and no row at time point 0; it does change perturbed units later.
    #[test]
    fn control_units_are_never_touched_by_the_intervention(config in small_config(), seed in any::<u64>()) {
        let scm = Scm::new(&config, seed).unwrap();
        let with = scm.simulate().unwrap();
        let without = scm
            .run(&[
                &population::plugin(scm.population()),
                &transition::plugin(scm.transition.clone()),
                &observation::plugin(scm.observation.clone()),
            ])
            .unwrap();
        let (obs, obs_without) = (&with.dataset.observations, &without.dataset.observations);
        prop_assert_eq!(obs.unit(), obs_without.unit());
        let mut perturbed_changed = false;
        for row in 0..obs.len() {
            let same = obs.x().row(row) == obs_without.x().row(row)
                && with.truth.latents.row(row) == without.truth.latents.row(row);
            if obs.perturbation_of(row).is_control() || obs.time_point()[row] == 0 {
                prop_assert!(same, "row {} changed without the intervention", row);
            } else {
                perturbed_changed |= !same;
            }
        }
        prop_assert_eq!(perturbed_changed, config.time_points > 1, "the intervention had no effect");
    }

    /// For one history and one noise draw, the step of a perturbed unit
    /// differs from the control step exactly at its targets' latents.
    #[test]
    fn a_perturbation_moves_exactly_its_target_latents(
        config in small_config(),
        seed in any::<u64>(),
        history_seed in any::<u64>(),
    ) {
        let scm = Scm::new(&config, seed).unwrap();
        let (m, n) = (config.invariant_latents, config.dynamic_latents);
        let truth = scm.simulate().unwrap().truth;
        let history: Vec<f32> = {
            use rand::SeedableRng;
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(history_seed);
            (0..config.lags * n).map(|_| crate::stream::standard_normal(&mut rng)).collect()
        };
        for (index, condition) in scm.design.conditions.iter().enumerate().skip(1) {
            let mut sim = SimWorld::new(seed, config.threads);
            sim.add_plugin(&transition::plugin(scm.transition.clone()));
            sim.add_plugin(&intervention::plugin(scm.interventions.clone()));
            // Both units share a unit id, hence their transition noise.
            let world = sim.world_mut();
            let latents = DynamicLatents::new(n, history.clone());
            let control = world.spawn((UnitId(7), Condition(0), latents.clone())).id();
            let perturbed = world.spawn((UnitId(7), Condition(index as u32), latents, Intervened)).id();
            sim.run(2);
            let world = sim.world_mut();
            let z = |e: Entity| world.get::<DynamicLatents>(e).map(|z| z.current().to_vec()).unwrap();
            let (z_control, z_perturbed) = (z(control), z(perturbed));
            let moved: Vec<usize> = (0..n).filter(|&i| z_control[i] != z_perturbed[i]).map(|i| m + i).collect();
            let mut expected: Vec<usize> =
                condition.targets().iter().flat_map(|&t| truth.target_latents[t as usize].iter().copied()).collect();
            expected.sort_unstable();
            expected.dedup();
            prop_assert_eq!(moved, expected, "condition {}", index);
        }
    }
}
