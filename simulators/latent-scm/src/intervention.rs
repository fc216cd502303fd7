//! Perturbations as sparse mechanism shifts on the dynamic latents.
//!
//! Each target acts on `latents_per_target` dynamic latents, chosen without
//! replacement, shifting each chosen latent i by a fixed
//! delta_i = random sign * effect_size * U(0.5, 1.5) at every step from
//! time point 1 on: z_{t,i} += delta_i after the unperturbed transition. A
//! combination applies the shifts of all its targets (they add where two
//! targets share a latent). The shift is a separate system, ordered after
//! the transition, that only queries perturbed units.

use bevy_ecs::prelude::*;
use citebench_core::data::Perturbation;
use rand::RngExt;
use rand::seq::index;
use rand_chacha::ChaCha8Rng;

use crate::unit::{Condition, DynamicLatents, Intervened};
use crate::world::{Parallelism, Phase, SimPlugin, for_each_unit};

/// The shifts of every target and condition: a resource of the world.
#[derive(Resource, Clone, Debug, PartialEq)]
pub(crate) struct Interventions {
    /// Per target, the dynamic latents it shifts, ascending.
    target_latents: Vec<Vec<usize>>,
    /// Per condition, (dynamic latent, total shift) over the union of its
    /// targets' latents, ascending by latent.
    shifts: Vec<Vec<(usize, f32)>>,
}

impl Interventions {
    /// Draws each target's latents and shifts, then sums them per condition.
    pub(crate) fn draw(
        dynamic_latents: usize,
        latents_per_target: usize,
        effect_size: f32,
        targets: u32,
        conditions: &[Perturbation],
        rng: &mut ChaCha8Rng,
    ) -> Self {
        let mut target_latents = Vec::new();
        let mut target_shifts = Vec::new();
        for _ in 0..targets {
            let mut latents = index::sample(rng, dynamic_latents, latents_per_target).into_vec();
            latents.sort_unstable();
            let shifts: Vec<(usize, f32)> = latents
                .iter()
                .map(|&i| {
                    let sign = if rng.random_bool(0.5) { 1.0 } else { -1.0 };
                    (i, sign * effect_size * rng.random_range(0.5f32..1.5))
                })
                .collect();
            target_latents.push(latents);
            target_shifts.push(shifts);
        }
        let shifts = conditions
            .iter()
            .map(|condition| {
                let mut total = vec![None::<f32>; dynamic_latents];
                for &target in condition.targets() {
                    for &(i, delta) in &target_shifts[target as usize] {
                        *total[i].get_or_insert(0.0) += delta;
                    }
                }
                total.into_iter().enumerate().filter_map(|(i, d)| d.map(|d| (i, d))).collect()
            })
            .collect();
        Self { target_latents, shifts }
    }

    /// Per target, the dynamic latents (numbered from 0) it shifts.
    pub(crate) fn target_latents(&self) -> &[Vec<usize>] {
        &self.target_latents
    }

    /// Shifts the newest state of a unit in `condition`.
    pub(crate) fn apply(&self, condition: u32, z: &mut [f32]) {
        for &(i, delta) in &self.shifts[condition as usize] {
            z[i] += delta;
        }
    }
}

/// Shifts the target latents of every perturbed unit. Control units lack
/// [`Intervened`], so this system never sees them.
fn intervene(
    mut units: Query<(&Condition, &mut DynamicLatents), With<Intervened>>,
    interventions: Res<Interventions>,
    parallelism: Res<Parallelism>,
) {
    let interventions = &*interventions;
    for_each_unit(&mut units, *parallelism, move |(condition, mut latents)| {
        interventions.apply(condition.0, latents.current_mut());
    });
}

/// Inserts the intervention shifts and their system.
pub(crate) fn plugin(interventions: Interventions) -> impl SimPlugin {
    move |world: &mut World, schedule: &mut Schedule| {
        world.insert_resource(interventions.clone());
        schedule.add_systems(intervene.in_set(Phase::Intervention));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn shifts_are_sparse_sized_and_add_up_in_combinations() {
        let conditions = [Perturbation::control(), Perturbation::new([0]), Perturbation::new([1]), Perturbation::new([0, 1])];
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let iv = Interventions::draw(5, 2, 2.0, 2, &conditions, &mut rng);
        assert!(iv.shifts[0].is_empty());
        for target in 0..2 {
            assert_eq!(iv.target_latents[target].len(), 2);
            for &(_, delta) in &iv.shifts[target + 1] {
                assert!((1.0..=3.0).contains(&delta.abs()), "{delta}");
            }
        }
        let mut z = vec![0.0; 5];
        iv.apply(3, &mut z);
        let mut expected = vec![0.0; 5];
        iv.apply(1, &mut expected);
        iv.apply(2, &mut expected);
        assert_eq!(z, expected);
    }
}
