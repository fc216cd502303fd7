//! The scene latents of temporal Causal3DIdent and their ranges.
//!
//! Ten continuous latents, as in CITRIS's generator: the object's position
//! (x, y, z) in [-2, 2], its rotation (Euler angles alpha, beta, gamma about
//! x, y and z, applied in that order), the spotlight's angle around the
//! scene, and the hues of the object, the spotlight and the background,
//! all angles in [0, 2 pi). The object's class (its shape) is the
//! eleventh, categorical latent.

use std::f32::consts::TAU;

use serde::{Deserialize, Serialize};

/// Positions lie in [-POSITION_RANGE, POSITION_RANGE].
pub const POSITION_RANGE: f32 = 2.0;

/// One continuous latent: its index into [`SceneLatents::values`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(usize)]
pub enum Latent {
    PosX = 0,
    PosY,
    PosZ,
    RotAlpha,
    RotBeta,
    RotGamma,
    SpotAngle,
    ObjectHue,
    SpotHue,
    BackgroundHue,
}

impl Latent {
    pub const COUNT: usize = 10;
    pub const ALL: [Latent; Self::COUNT] = [
        Latent::PosX,
        Latent::PosY,
        Latent::PosZ,
        Latent::RotAlpha,
        Latent::RotBeta,
        Latent::RotGamma,
        Latent::SpotAngle,
        Latent::ObjectHue,
        Latent::SpotHue,
        Latent::BackgroundHue,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Latent::PosX => "pos_x",
            Latent::PosY => "pos_y",
            Latent::PosZ => "pos_z",
            Latent::RotAlpha => "rot_alpha",
            Latent::RotBeta => "rot_beta",
            Latent::RotGamma => "rot_gamma",
            Latent::SpotAngle => "spot_angle",
            Latent::ObjectHue => "object_hue",
            Latent::SpotHue => "spot_hue",
            Latent::BackgroundHue => "background_hue",
        }
    }

    /// Angles and hues live on the circle [0, 2 pi); positions on a line.
    pub fn is_angle(self) -> bool {
        !matches!(self, Latent::PosX | Latent::PosY | Latent::PosZ)
    }

    /// The latent's range, [lo, hi] for positions and [lo, hi) for angles.
    pub fn range(self) -> (f32, f32) {
        if self.is_angle() { (0.0, TAU) } else { (-POSITION_RANGE, POSITION_RANGE) }
    }

    /// Whether `v` lies in the latent's range.
    pub fn contains(self, v: f32) -> bool {
        let (lo, hi) = self.range();
        if self.is_angle() { (lo..hi).contains(&v) } else { (lo..=hi).contains(&v) }
    }
}

/// The state of one scene: the ten continuous latents, indexed by [`Latent`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SceneLatents {
    pub values: [f32; Latent::COUNT],
}

impl SceneLatents {
    pub fn get(&self, latent: Latent) -> f32 {
        self.values[latent as usize]
    }

    pub fn set(&mut self, latent: Latent, v: f32) {
        self.values[latent as usize] = v;
    }
}

/// `v` wrapped into [0, 2 pi).
pub fn wrap_angle(v: f32) -> f32 {
    let w = v.rem_euclid(TAU);
    // rem_euclid can round up to exactly TAU for tiny negative inputs.
    if w >= TAU { 0.0 } else { w }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_stays_in_the_half_open_range() {
        for v in [-1e-9f32, -TAU, TAU, 3.0 * TAU + 0.5, -0.25, 0.0] {
            let w = wrap_angle(v);
            assert!((0.0..TAU).contains(&w), "{v} -> {w}");
        }
        assert!((wrap_angle(TAU + 0.5) - 0.5).abs() < 1e-6);
    }
}
