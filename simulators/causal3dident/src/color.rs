//! Colours from hue latents: HSV to linear RGB, as Causal3DIdent's Blender
//! scenes set them (object at saturation 1, spotlight 0.8, background 0.6,
//! all at value 1).

use glam::Vec3;
use std::f32::consts::TAU;

/// Saturation of the object's colour.
pub const OBJECT_SATURATION: f32 = 1.0;
/// Saturation of the spotlight's colour: never fully saturated, so a lit
/// surface always reflects some of every channel.
pub const SPOT_SATURATION: f32 = 0.8;
/// Saturation of the background's (the ground's) colour.
pub const BACKGROUND_SATURATION: f32 = 0.6;

/// The RGB colour of hue `hue` (radians, any value: taken modulo 2 pi) at
/// saturation `s` and value 1.
pub fn hue_to_rgb(hue: f32, s: f32) -> Vec3 {
    let h = (hue.rem_euclid(TAU) / TAU) * 6.0;
    // Piecewise-linear HSV: each channel is 1 - s * clamp(distance to its
    // sextant pattern), the standard formulation without branches.
    let channel = |n: f32| {
        let k = (n + h).rem_euclid(6.0);
        1.0 - s * (k.min(4.0 - k)).clamp(0.0, 1.0)
    };
    Vec3::new(channel(5.0), channel(3.0), channel(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference values from Python's `colorsys.hsv_to_rgb(h / 2pi, s, 1)`.
    #[test]
    fn matches_colorsys() {
        let cases = [
            (0.0, 1.0, [1.0, 0.0, 0.0]),
            (TAU / 3.0, 1.0, [0.0, 1.0, 0.0]),
            (2.0 * TAU / 3.0, 1.0, [0.0, 0.0, 1.0]),
            (1.0, 0.8, [1.0, 0.9639437268410976, 0.2]),
            (4.0, 0.6, [0.4, 0.5081688194767071, 1.0]),
            (5.5, 1.0, [1.0, 0.0, 0.7478868779674537]),
            (-0.5, 0.6, [1.0, 0.4, 0.6864788975654116]),
        ];
        for (hue, s, rgb) in cases {
            let got = hue_to_rgb(hue, s);
            for (g, want) in got.to_array().into_iter().zip(rgb) {
                assert!((g - want as f32).abs() < 1e-5, "hue {hue} s {s}: {got} vs {rgb:?}");
            }
        }
    }
}
