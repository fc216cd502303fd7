//! Properties that need the simulator's insides: each violation does what
//! it promises and nothing at strength 0, each kind of perturbation acts as
//! documented, observation modes sample the same dynamics, and every
//! mechanism is deterministic at any thread count.

mod modes;
mod perturbations;
mod violations;

use proptest::prelude::*;

use crate::config::{InterventionKind, LatentScmConfig, ObservationMode};
use crate::output::Detailed;
use crate::scm::Scm;
use crate::violation::{ViolationConfig, ViolationKind};

pub(crate) const KINDS: [ViolationKind; 11] = [
    ViolationKind::InstantaneousEffects,
    ViolationKind::LatentConfounder,
    ViolationKind::NonInvertibleMixing,
    ViolationKind::ObservationNoise,
    ViolationKind::FewConditions,
    ViolationKind::DenseTargets,
    ViolationKind::LeakyInvariance,
    ViolationKind::IrregularTimePoints,
    ViolationKind::SparseTimePoints,
    ViolationKind::NonStationary,
    ViolationKind::BatchEffects,
];

/// Small configurations that still exercise every size option.
pub(crate) fn small_config() -> impl Strategy<Value = LatentScmConfig> {
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
                    threads,
                    ..LatentScmConfig::default()
                }
            })
        })
}

pub(crate) fn intervention_kind() -> impl Strategy<Value = InterventionKind> {
    prop_oneof![
        Just(InterventionKind::Shift),
        Just(InterventionKind::Do),
        Just(InterventionKind::Soft),
        Just(InterventionKind::ShiftScale)
    ]
}

pub(crate) fn observation_mode() -> impl Strategy<Value = ObservationMode> {
    prop_oneof![Just(ObservationMode::Trajectories), Just(ObservationMode::Snapshots), Just(ObservationMode::Pseudobulk)]
}

/// A strength valid for `kind`: fractions stay in (0, 1].
pub(crate) fn strength(kind: ViolationKind, unit: f64) -> f64 {
    match kind {
        ViolationKind::NonInvertibleMixing
        | ViolationKind::FewConditions
        | ViolationKind::DenseTargets
        | ViolationKind::SparseTimePoints => unit.clamp(0.05, 1.0),
        _ => 2.0 * unit.max(0.05),
    }
}

pub(crate) fn with(config: &LatentScmConfig, kind: ViolationKind, strength: f64) -> LatentScmConfig {
    let mut config = config.clone();
    config.violations.push(ViolationConfig { kind, strength });
    config
}

pub(crate) fn simulate(config: &LatentScmConfig, seed: u64) -> Detailed {
    Scm::new(config, seed).expect("test configurations are valid").simulate().expect("simulations succeed")
}

/// The new state z_1 of units that all share unit id 7 (hence their noise)
/// and the history `history`, one per condition in `conditions`, after one
/// step of a world built from the transition, the assignment and `extra`.
pub(crate) fn one_step(
    scm: &Scm,
    extra: &[Box<dyn crate::world::SimPlugin>],
    history: &[f32],
    conditions: &[u32],
) -> Vec<Vec<f32>> {
    use crate::unit::{Condition, Drive, DynamicLatents, UnitId};
    use crate::world::{SimWorld, Timeline};
    let n = scm.config.dynamic_latents;
    let mut sim = SimWorld::new(scm.seed, scm.config.threads);
    sim.add_plugin(&crate::transition::plugin(scm.mechanisms.transition.clone()));
    sim.add_plugin(&crate::assignment::plugin(scm.assignment()));
    for plugin in extra {
        sim.add_plugin(plugin.as_ref());
    }
    let world = sim.world_mut();
    let entities: Vec<_> = conditions
        .iter()
        .map(|&c| world.spawn((UnitId(7), Condition(c), DynamicLatents::new(n, history.to_vec()), Drive::new(n))).id())
        .collect();
    sim.run(&Timeline::regular(2));
    let world = sim.world_mut();
    entities.iter().map(|&e| world.get::<DynamicLatents>(e).map(|z| z.current().to_vec()).unwrap_or_default()).collect()
}

/// A history of `lags` states of `n` latents, from `seed`.
pub(crate) fn history(seed: u64, lags: usize, n: usize) -> Vec<f32> {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..lags * n).map(|_| crate::stream::standard_normal(&mut rng)).collect()
}
