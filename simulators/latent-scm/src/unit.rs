//! The components of a unit (a simulated cell): who it is, what was done to
//! it, its latent state, when it is observed, and what has been recorded.

use bevy_ecs::prelude::Component;

/// The unit's id: it links the unit's rows across time points, and it keys
/// the unit's random streams.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UnitId(pub(crate) u64);

/// The unit's condition: an index into the design's table of perturbations
/// (0 is the control).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Condition(pub(crate) u32);

/// The replicate (batch) the unit was dealt to.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Replicate(pub(crate) u32);

/// The invariant latents s, drawn once; only the `leaky_invariance`
/// violation moves them.
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

    /// Makes `z` the newest state and forgets the oldest.
    pub(crate) fn push(&mut self, z: &[f32]) {
        let len = self.states.len();
        self.states.copy_within(..len - self.n, self.n);
        self.states[..self.n].copy_from_slice(z);
    }
}

/// What drives the unit's next state, gathered before the structural
/// assignment solves for it: per dynamic latent, the exogenous noise eps_i
/// and the input a_i from its lagged parents (and any hidden confounder).
/// Buffers are reused from step to step.
#[derive(Component, Clone, Debug, PartialEq)]
pub(crate) struct Drive {
    pub(crate) noise: Vec<f32>,
    pub(crate) input: Vec<f32>,
}

impl Drive {
    pub(crate) fn new(n: usize) -> Self {
        Self { noise: vec![0.0; n], input: vec![0.0; n] }
    }
}

/// The time points at which the unit is observed, ascending: all of them
/// for a trajectory, one for a snapshot, a subset under sparse sampling.
#[derive(Component, Clone, Debug, PartialEq)]
pub(crate) struct Sampling(pub(crate) Vec<u32>);

impl Sampling {
    pub(crate) fn includes(&self, time_point: u32) -> bool {
        self.0.binary_search(&time_point).is_ok()
    }

    /// Whether nothing is left to observe after `time_point`.
    pub(crate) fn done_after(&self, time_point: u32) -> bool {
        self.0.last().is_none_or(|&last| last <= time_point)
    }
}

/// What has been recorded of the unit: per observation, its time point and
/// its true latents [s, z_t]. Features are computed from these once the
/// dynamics are done (module `readout`).
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub(crate) struct Record {
    pub(crate) time_points: Vec<u32>,
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
