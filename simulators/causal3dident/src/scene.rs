//! The components of a scene entity: who it is, what was done to it, its
//! latent state, when it is observed, and what has been recorded.

use bevy_ecs::prelude::Component;

use crate::latents::{Latent, SceneLatents};

/// The scene's id: it links the scene's rows across time points and keys
/// its random streams.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SceneId(pub(crate) u64);

/// The scene's condition: an index into the design's conditions (0 is the
/// control), and the latents its interventions replace.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Condition {
    pub(crate) index: u32,
    pub(crate) intervened: [bool; Latent::COUNT],
}

#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Replicate(pub(crate) u32);

/// The object's class: an index into the configured shapes. Drawn once
/// per scene and never changed (the invariant latent).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Class(pub(crate) u32);

/// The scene's current continuous latents.
#[derive(Component, Clone, Copy, Debug, PartialEq)]
pub(crate) struct State(pub(crate) SceneLatents);

/// The time points (= steps) at which the scene is observed, ascending.
#[derive(Component, Clone, Debug, PartialEq)]
pub(crate) struct Sampling(pub(crate) Vec<u32>);

/// What has been recorded: per observation, its time point and latents.
#[derive(Component, Clone, Debug, Default, PartialEq)]
pub(crate) struct Record {
    pub(crate) time_points: Vec<u32>,
    pub(crate) states: Vec<SceneLatents>,
}
