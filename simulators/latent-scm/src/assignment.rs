//! The structural assignment: z_t from each unit's drive, in causal order.
//!
//! For each dynamic latent i, visited in the causal order of the same-step
//! graph (any order when there are no same-step edges),
//!
//! z_{t,i} = F_{c,i}(eps_i, a_i + sum_j B[j, i] z_{t,j}),
//!
//! where a_i is the lagged input (module `transition`, plus any confounder),
//! B holds same-step effects (empty unless the `instantaneous_effects`
//! violation fills it) and F_{c,i} is the mechanism of latent i in the
//! unit's condition c: LReLU(eps + a) unperturbed, or a perturbed
//! mechanism (module `intervention`). The outer LReLU is TDRL's
//! post-nonlinearity; with `transition = "independent"` it is the identity,
//! so that a latent is Gaussian given its condition, as in iVAE's model. Solving in causal order is what lets a
//! child see its same-step parent's value, perturbed or not, in the same step.

use bevy_ecs::prelude::*;

use crate::activation::leaky_relu;
use crate::unit::{Condition, Drive, DynamicLatents};
use crate::world::{Parallelism, Phase, SimPlugin, for_each_unit};

/// The mechanism of one latent in one condition.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Mechanism {
    /// LReLU(eps + a): the unperturbed mechanism.
    Observational,
    /// LReLU(eps + a) + delta.
    Shift(f32),
    /// The constant value: do(z_i = value) cuts every parent.
    Do(f32),
    /// LReLU(eps + gain * a): the parents' influence changes.
    Soft(f32),
    /// LReLU(scale * eps + a) + delta: location and spread change.
    ShiftScale { delta: f32, scale: f32 },
}

impl Mechanism {
    fn apply(self, noise: f32, input: f32, post: PostNonlinearity) -> f32 {
        let f = |x: f32| match post {
            PostNonlinearity::LeakyRelu => leaky_relu(x),
            PostNonlinearity::Identity => x,
        };
        match self {
            Self::Observational => f(noise + input),
            Self::Shift(delta) => f(noise + input) + delta,
            Self::Do(value) => value,
            Self::Soft(gain) => f(noise + gain * input),
            Self::ShiftScale { delta, scale } => f(scale * noise + input) + delta,
        }
    }
}

/// The function a mechanism applies to its noise plus its parents' input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PostNonlinearity {
    /// TDRL's LReLU(0.2).
    LeakyRelu,
    /// None: Gaussian noise stays Gaussian.
    Identity,
}

/// Same-step effects among dynamic latents: a causal order and, per latent,
/// its same-step parents with their weights B[j, i] (parents come earlier
/// in the order).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Contemporaneous {
    pub(crate) order: Vec<usize>,
    pub(crate) parents: Vec<Vec<(usize, f32)>>,
}

impl Contemporaneous {
    /// No same-step effects: every latent depends on the past only.
    pub(crate) fn none(n: usize) -> Self {
        Self { order: (0..n).collect(), parents: vec![Vec::new(); n] }
    }
}

/// The parameters of the assignment: a resource of the world.
#[derive(Resource, Clone, Debug, PartialEq)]
pub(crate) struct Assignment {
    pub(crate) contemporaneous: Contemporaneous,
    /// `mechanisms[c][i]`: latent i's mechanism in condition c.
    pub(crate) mechanisms: Vec<Vec<Mechanism>>,
    pub(crate) post: PostNonlinearity,
}

impl Assignment {
    /// Solves for z_t in place of `drive.input`, which it overwrites.
    pub(crate) fn solve(&self, condition: u32, drive: &mut Drive) {
        let mechanisms = &self.mechanisms[condition as usize];
        for &i in &self.contemporaneous.order {
            let input = self.contemporaneous.parents[i].iter().fold(drive.input[i], |a, &(j, b)| a + b * drive.input[j]);
            drive.input[i] = mechanisms[i].apply(drive.noise[i], input, self.post);
        }
    }
}

/// Solves every unit's new state and makes it the newest of its history.
fn assign(
    mut units: Query<(&Condition, &mut Drive, &mut DynamicLatents)>,
    assignment: Res<Assignment>,
    parallelism: Res<Parallelism>,
) {
    let assignment = &*assignment;
    for_each_unit(&mut units, *parallelism, move |(condition, mut drive, mut latents)| {
        assignment.solve(condition.0, &mut drive);
        latents.push(&drive.input);
    });
}

/// Inserts the assignment's parameters and its system.
pub(crate) fn plugin(assignment: Assignment) -> impl SimPlugin {
    move |world: &mut World, schedule: &mut Schedule| {
        world.insert_resource(assignment.clone());
        schedule.add_systems(assign.in_set(Phase::Assign));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_see_their_same_step_parents_in_causal_order() {
        // Order 1 -> 0: latent 0 reads latent 1 of the same step, which is
        // held at 5 by a hard intervention.
        let contemporaneous = Contemporaneous { order: vec![1, 0], parents: vec![vec![(1, 0.5)], vec![]] };
        let assignment = Assignment {
            contemporaneous,
            mechanisms: vec![vec![Mechanism::Observational, Mechanism::Do(5.0)]],
            post: PostNonlinearity::LeakyRelu,
        };
        let mut drive = Drive { noise: vec![0.25, 9.0], input: vec![1.0, -3.0] };
        assignment.solve(0, &mut drive);
        assert_eq!(drive.input, vec![0.25 + 1.0 + 2.5, 5.0]);
    }

    #[test]
    fn mechanisms_follow_their_formulas() {
        let lrelu = PostNonlinearity::LeakyRelu;
        assert_eq!(Mechanism::Observational.apply(-1.0, -1.0, lrelu), -0.4);
        assert_eq!(Mechanism::Shift(2.0).apply(1.0, 0.5, lrelu), 3.5);
        assert_eq!(Mechanism::Do(-2.0).apply(1.0, 100.0, lrelu), -2.0);
        assert_eq!(Mechanism::Soft(0.5).apply(1.0, 2.0, lrelu), 2.0);
        assert_eq!(Mechanism::ShiftScale { delta: 1.0, scale: 2.0 }.apply(-1.0, 0.5, lrelu), 0.7);
        let identity = PostNonlinearity::Identity;
        assert_eq!(Mechanism::Observational.apply(-1.0, -1.0, identity), -2.0);
        assert_eq!(Mechanism::ShiftScale { delta: 1.0, scale: 2.0 }.apply(-1.0, 0.0, identity), -1.0);
    }
}
