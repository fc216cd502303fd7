//! The components of a unit (a simulated cell): who it is, what was done to
//! it, its latent state, and what has been recorded of it.

use bevy_ecs::prelude::Component;

/// The unit's id: it links the unit's rows across time points, and it keys
/// the unit's random streams.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UnitId(pub(crate) u64);

/// The unit's condition: an index into the design's table of perturbations
/// (0 is the control).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Condition(pub(crate) u32);

/// Marks a unit whose condition is not the control. The intervention only
/// queries units that carry it, so control units are never touched.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Intervened;

#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Replicate(pub(crate) u32);

/// The invariant latents s, drawn once; no system writes them.
#[derive(Component, Clone, Debug, PartialEq)]
pub(crate) struct InvariantLatents(pub(crate) Vec<f32>);

/// The last `lags` states of the dynamic latents, newest first:
/// `states[(l - 1) * n + i]` is z_{t-l+1, i} once time point t is produced.
#[derive(Component, Clone, Debug, PartialEq)]
pub(crate) struct DynamicLatents {
    n: usize,
    states: Vec<f32>,
}

impl DynamicLatents {
    /// A history of `states.len() / n` states, newest first.
    pub(crate) fn new(n: usize, states: Vec<f32>) -> Self {
        debug_assert!(n > 0 && states.len().is_multiple_of(n));
        Self { n, states }
    }

    /// The whole history, newest first.
    pub(crate) fn history(&self) -> &[f32] {
        &self.states
    }

    /// The newest state z_t.
    pub(crate) fn current(&self) -> &[f32] {
        &self.states[..self.n]
    }

    pub(crate) fn current_mut(&mut self) -> &mut [f32] {
        &mut self.states[..self.n]
    }

    /// Makes `z` the newest state and forgets the oldest.
    pub(crate) fn push(&mut self, z: &[f32]) {
        let len = self.states.len();
        self.states.copy_within(..len - self.n, self.n);
        self.states[..self.n].copy_from_slice(z);
    }
}

/// What has been recorded of the unit, one row per time point so far: its
/// observation x and its true latents [s, z_t].
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub(crate) struct Record {
    pub(crate) x: Vec<f32>,
    pub(crate) latents: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_shifts_the_history() {
        let mut z = DynamicLatents::new(2, vec![1.0, 2.0, 3.0, 4.0]);
        z.push(&[5.0, 6.0]);
        assert_eq!(z.history(), &[5.0, 6.0, 1.0, 2.0]);
        assert_eq!(z.current(), &[5.0, 6.0]);
    }
}
