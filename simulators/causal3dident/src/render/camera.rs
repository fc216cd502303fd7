//! The fixed camera: where it stands, and how it maps world points to
//! pixels (a pinhole with square pixels).

use glam::{Vec2, Vec3};

/// A pinhole camera looking at the world origin, z up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Camera {
    pub(crate) eye: Vec3,
    right: Vec3,
    up: Vec3,
    forward: Vec3,
    /// 1 / tan(half the vertical field of view).
    focal: f32,
    size: f32,
}

impl Camera {
    /// A camera at `eye` looking at the origin with vertical field of view
    /// `fov` (radians), rendering `size` x `size` pixels.
    pub(crate) fn looking_at_origin(eye: Vec3, fov: f32, size: u32) -> Self {
        let forward = (-eye).normalize();
        let right = forward.cross(Vec3::Z).normalize();
        let up = right.cross(forward);
        Self { eye, right, up, forward, focal: 1.0 / (0.5 * fov).tan(), size: size as f32 }
    }

    /// The pixel coordinates of `p` (x right, y down, pixel centres at
    /// half-integers) and its depth along the view direction.
    #[inline]
    pub(crate) fn project(&self, p: Vec3) -> (Vec2, f32) {
        let v = p - self.eye;
        let depth = v.dot(self.forward);
        let k = 0.5 * self.focal / depth;
        let ndc = Vec2::new(v.dot(self.right), v.dot(self.up)) * k;
        (Vec2::new((0.5 + ndc.x) * self.size, (0.5 - ndc.y) * self.size), depth)
    }

    /// The direction of the ray through the centre of pixel (x, y).
    pub(crate) fn ray(&self, x: u32, y: u32) -> Vec3 {
        let ndc_x = (x as f32 + 0.5) / self.size - 0.5;
        let ndc_y = 0.5 - (y as f32 + 0.5) / self.size;
        (self.forward + (self.right * ndc_x + self.up * ndc_y) * (2.0 / self.focal)).normalize()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_projects_to_the_image_centre_and_rays_invert_projection() {
        let camera = Camera::looking_at_origin(Vec3::new(5.0, -6.0, 4.0), 0.7, 64);
        let (centre, depth) = camera.project(Vec3::ZERO);
        assert!((centre - Vec2::splat(32.0)).length() < 1e-4);
        assert!((depth - camera.eye.length()).abs() < 1e-4);
        let p = camera.eye + camera.ray(10, 50) * 7.0;
        let (pixel, _) = camera.project(p);
        assert!((pixel - Vec2::new(10.5, 50.5)).length() < 1e-3, "{pixel}");
        // Up in the world is up in the image.
        assert!(camera.project(Vec3::Z).0.y < 32.0);
    }
}
