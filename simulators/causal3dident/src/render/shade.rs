//! Lighting: a white ambient term plus one coloured spotlight, evaluated
//! per pixel (Lambert diffuse, Blinn-Phong highlight on the object).
//!
//! The object reflects its own colour under ambient and spot light and a
//! highlight in the light's colour; the ground reflects the background
//! colour under the same lights. Nothing reflects between them (no
//! bounces, no shadows), as in the original renders with bounces off: so
//! the object's hue can change only object pixels and the background's
//! hue only background pixels.

use glam::Vec3;

/// The white ambient light every surface receives.
const AMBIENT: f32 = 0.4;
/// The spotlight's strength (before its colour).
const SPOT_INTENSITY: f32 = 0.9;
/// The ground is lit more evenly than the object (in the original it is a
/// large bright plane): more ambient light, and a fainter spot.
const GROUND_AMBIENT: f32 = 0.65;
const GROUND_SPOT: f32 = 0.5;
/// Strength and sharpness of the object's highlight.
const SPECULAR: f32 = 0.3;
const SHININESS: i32 = 32;
/// The spotlight's cone: full strength within INNER of its axis, none
/// beyond OUTER, a smooth blend between (cosines of the half-angles).
const COS_INNER: f32 = 0.956_304_8; // cos 17 degrees
const COS_OUTER: f32 = 0.927_183_9; // cos 22 degrees

/// The spotlight of one frame.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spotlight {
    pub(crate) position: Vec3,
    /// Unit vector along the cone's axis.
    pub(crate) axis: Vec3,
    pub(crate) color: Vec3,
}

impl Spotlight {
    /// The light arriving at `p` on a surface with unit normal `n`, times the
    /// light's colour, and the unit direction towards the light.
    #[inline]
    fn arriving(&self, p: Vec3, n: Vec3) -> (f32, Vec3) {
        let from_light = p - self.position;
        let along = from_light.dot(self.axis);
        let distance_sq = from_light.length_squared();
        // Outside the cone (most of the ground): no light, and no square root.
        if along <= 0.0 || along * along < COS_OUTER * COS_OUTER * distance_sq {
            return (0.0, Vec3::ZERO);
        }
        let inv_distance = distance_sq.sqrt().recip();
        let t = ((along * inv_distance - COS_OUTER) / (COS_INNER - COS_OUTER)).clamp(0.0, 1.0);
        let cone = t * t * (3.0 - 2.0 * t);
        let to_light = -from_light * inv_distance;
        (SPOT_INTENSITY * cone * n.dot(to_light).max(0.0), to_light)
    }
}

/// The colour of an object point `p` with unit normal `n` facing the eye.
#[inline]
pub(crate) fn object(albedo: Vec3, p: Vec3, n: Vec3, eye: Vec3, spot: &Spotlight) -> Vec3 {
    let (diffuse, to_light) = spot.arriving(p, n);
    let mut color = albedo * (Vec3::splat(AMBIENT) + spot.color * diffuse);
    if diffuse > 0.0 {
        let half = (to_light + (eye - p).normalize()).normalize();
        color += spot.color * (SPECULAR * n.dot(half).max(0.0).powi(SHININESS));
    }
    color.min(Vec3::ONE)
}

/// The colour of a ground point `p` (normal +z).
#[inline]
pub(crate) fn ground(albedo: Vec3, p: Vec3, spot: &Spotlight) -> Vec3 {
    let (diffuse, _) = spot.arriving(p, Vec3::Z);
    (albedo * (Vec3::splat(GROUND_AMBIENT) + spot.color * (GROUND_SPOT * diffuse))).min(Vec3::ONE)
}
