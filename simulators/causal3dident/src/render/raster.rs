//! Visibility: triangles scan-converted into a depth buffer that keeps,
//! per pixel, the nearest triangle and where on it the pixel falls.
//!
//! Shading is deferred: this pass only decides which surface each pixel
//! sees, so every pixel is shaded once however many triangles overlap it.
//! Pixels are sampled at their centres and a pixel belongs to a triangle
//! when all three edge functions agree in sign (edges inclusive: pixels on
//! a shared edge are claimed by the nearer triangle, never dropped).

use glam::Vec2;

/// No triangle covers the pixel.
pub(crate) const NONE: u32 = u32::MAX;

/// A vertex after projection: pixel position and 1 / depth (which is
/// linear in screen space, hence interpolated by screen barycentrics).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Projected {
    pub(crate) pixel: Vec2,
    pub(crate) inv_depth: f32,
}

/// Per pixel: the nearest 1 / depth, its triangle and the screen-space
/// barycentric weights of the triangle's second and third vertices.
#[derive(Clone, Debug)]
pub(crate) struct DepthBuffer {
    size: usize,
    pub(crate) inv_depth: Vec<f32>,
    pub(crate) triangle: Vec<u32>,
    pub(crate) weights: Vec<Vec2>,
}

impl DepthBuffer {
    pub(crate) fn new(size: u32) -> Self {
        let n = (size * size) as usize;
        Self { size: size as usize, inv_depth: vec![0.0; n], triangle: vec![NONE; n], weights: vec![Vec2::ZERO; n] }
    }

    pub(crate) fn clear(&mut self) {
        self.inv_depth.fill(0.0);
        self.triangle.fill(NONE);
    }

    /// Scan-converts triangle `id` whose corners are `vertices[corners[k]]`.
    #[inline]
    pub(crate) fn draw(&mut self, id: u32, corners: [u32; 3], vertices: &[Projected]) {
        let v = [vertices[corners[0] as usize], vertices[corners[1] as usize], vertices[corners[2] as usize]];
        let [a, b, c] = [v[0].pixel, v[1].pixel, v[2].pixel];
        let area = (b - a).perp_dot(c - a);
        if area.abs() < 1e-9 || !area.is_finite() {
            return;
        }
        let max = self.size as f32 - 0.5;
        let lo = a.min(b).min(c).max(Vec2::splat(0.5));
        let hi = a.max(b).max(c).min(Vec2::splat(max));
        if lo.x > hi.x || lo.y > hi.y {
            return;
        }
        // The first pixel centre at or after lo, the last at or before hi
        // (all >= 0 here: truncation is floor, and ceil is floor + 1 unless
        // exact; libm's ceil and floor are calls, not instructions, here).
        let ceil = |v: f32| {
            let t = v as usize;
            t + usize::from((t as f32) < v)
        };
        let (x0, y0) = (ceil(lo.x - 0.5), ceil(lo.y - 0.5));
        let (x1, y1) = ((hi.x - 0.5) as usize, (hi.y - 0.5) as usize);
        // Edge functions, oriented so that all three are >= 0 inside for
        // either winding: e_a(p) is twice the signed area of (b, c, p), so
        // e_a / area is the barycentric weight of a. The sign test runs on
        // the unscaled values, which are exact for vertices on a fine grid.
        let sign = area.signum();
        let edge = |p: Vec2, q: Vec2| {
            let d = (q - p) * sign;
            (-d.y, d.x, p.x * d.y - p.y * d.x)
        };
        let (ea, eb, ec) = (edge(b, c), edge(c, a), edge(a, b));
        let inv_area = 1.0 / area.abs();
        let [za, zb, zc] = [v[0].inv_depth, v[1].inv_depth, v[2].inv_depth];
        let px = x0 as f32 + 0.5;
        for y in y0..=y1 {
            let py = y as f32 + 0.5;
            // Values at the row's first pixel, then stepped along x.
            let mut wa = ea.0 * px + ea.1 * py + ea.2;
            let mut wb = eb.0 * px + eb.1 * py + eb.2;
            let mut wc = ec.0 * px + ec.1 * py + ec.2;
            let row = y * self.size;
            for x in x0..=x1 {
                if wa >= 0.0 && wb >= 0.0 && wc >= 0.0 {
                    let (la, lb, lc) = (wa * inv_area, wb * inv_area, wc * inv_area);
                    let z = la * za + lb * zb + lc * zc;
                    let i = row + x;
                    if z > self.inv_depth[i] {
                        self.inv_depth[i] = z;
                        self.triangle[i] = id;
                        self.weights[i] = Vec2::new(lb, lc);
                    }
                }
                wa += ea.0;
                wb += eb.0;
                wc += ec.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f32, y: f32, inv_depth: f32) -> Projected {
        Projected { pixel: Vec2::new(x, y), inv_depth }
    }

    #[test]
    fn weights_are_barycentric_and_the_nearer_triangle_wins() {
        let mut buffer = DepthBuffer::new(8);
        // Either winding fills the same pixels.
        buffer.draw(0, [0, 1, 2], &[at(0.0, 0.0, 0.1), at(8.0, 0.0, 0.1), at(0.0, 8.0, 0.1)]);
        let far: Vec<u32> = buffer.triangle.clone();
        buffer.clear();
        buffer.draw(0, [0, 1, 2], &[at(0.0, 0.0, 0.1), at(0.0, 8.0, 0.1), at(8.0, 0.0, 0.1)]);
        assert_eq!(buffer.triangle, far);
        // Weights follow the vertex order: here the second vertex is (0, 8).
        assert!((buffer.weights[8 + 2] - Vec2::new(1.5 / 8.0, 2.5 / 8.0)).length() < 1e-6);
        buffer.clear();
        buffer.draw(0, [0, 1, 2], &[at(0.0, 0.0, 0.1), at(8.0, 0.0, 0.1), at(0.0, 8.0, 0.1)]);
        // Pixel centres strictly below the diagonal x + y = 8: 28 of them,
        // plus the 8 pixels whose centres lie on it.
        assert_eq!(far.iter().filter(|&&t| t == 0).count(), 36);
        let i = 8 + 2; // pixel (2, 1): centre (2.5, 1.5)
        let w = buffer.weights[i];
        assert!((w - Vec2::new(2.5 / 8.0, 1.5 / 8.0)).length() < 1e-6, "{w}");
        buffer.draw(1, [0, 1, 2], &[at(0.0, 0.0, 0.2), at(8.0, 0.0, 0.2), at(8.0, 8.0, 0.2)]);
        assert_eq!(buffer.triangle[i], 1);
        buffer.draw(2, [0, 1, 2], &[at(0.0, 0.0, 0.15), at(8.0, 0.0, 0.15), at(8.0, 8.0, 0.15)]);
        assert_eq!(buffer.triangle[i], 1);
    }
}
