//! Shapes generated from formulas: tubes along space curves (the horn and
//! the knot) and a bulged sphere (the blob). Sizes need not match: every
//! mesh is normalised to the unit ball afterwards.

use glam::Vec3;
use std::f32::consts::{PI, TAU};

/// A grid of `rows` x `cols` points, quads split into two triangles; with
/// `wrap`, the last column joins the first (a closed ring).
fn grid_triangles(rows: usize, cols: usize, wrap: bool) -> Vec<[u32; 3]> {
    let mut triangles = Vec::new();
    let span = if wrap { cols } else { cols - 1 };
    for i in 0..rows - 1 {
        for j in 0..span {
            let (a, b) = ((i * cols + j) as u32, (i * cols + (j + 1) % cols) as u32);
            let (c, d) = (a + cols as u32, b + cols as u32);
            triangles.push([a, c, d]);
            triangles.push([a, d, b]);
        }
    }
    triangles
}

/// A tube of radius `radius(t)` around `curve(t)`, t in [0, 1], with
/// `along` rings of `around` vertices; a closed curve joins its ends,
/// an open one is capped with a fan at each end. Ring frames are carried
/// along the curve by parallel transport, so the tube does not twist.
fn tube(curve: impl Fn(f32) -> Vec3, radius: impl Fn(f32) -> f32, closed: bool, along: usize, around: usize) -> (Vec<Vec3>, Vec<[u32; 3]>) {
    let rings = if closed { along } else { along + 1 };
    let t_of = |i: usize| i as f32 / along as f32;
    let tangent = |t: f32| (curve(t + 1e-3) - curve(t - 1e-3)).normalize();
    // Frames by parallel transport: each ring's normal is the previous one
    // with its component along the new tangent removed.
    let mut normals = vec![tangent(0.0).any_orthonormal_vector()];
    for i in 1..=along {
        let (forward, previous) = (tangent(t_of(i)), normals[i - 1]);
        normals.push((previous - forward * previous.dot(forward)).normalize());
    }
    // A closed curve brings the frame back rotated (its holonomy); undo that
    // rotation gradually so the last ring meets the first without a twist.
    let twist = if closed {
        let (start, end, forward) = (normals[0], normals[along], tangent(0.0));
        end.cross(start).dot(forward).atan2(end.dot(start))
    } else {
        0.0
    };
    let mut positions = Vec::with_capacity(rings * around + 2);
    for (i, normal) in normals.iter().take(rings).enumerate() {
        let t = t_of(i);
        let forward = tangent(t);
        let binormal = forward.cross(*normal);
        let (centre, r) = (curve(t), radius(t));
        let offset = twist * t;
        for k in 0..around {
            let a = TAU * k as f32 / around as f32 + offset;
            positions.push(centre + (*normal * a.cos() + binormal * a.sin()) * r);
        }
    }
    let mut triangles = if closed {
        // The ring after the last is the first: index modulo the ring count.
        let n = (rings * around) as u32;
        grid_triangles(rings + 1, around, true).into_iter().map(|t| t.map(|i| i % n)).collect()
    } else {
        grid_triangles(rings, around, true)
    };
    if !closed {
        for (ring, t, flip) in [(0, 0.0, true), (rings - 1, 1.0, false)] {
            let centre = positions.len() as u32;
            positions.push(curve(t));
            for k in 0..around {
                let a = (ring * around + k) as u32;
                let b = (ring * around + (k + 1) % around) as u32;
                triangles.push(if flip { [centre, b, a] } else { [centre, a, b] });
            }
        }
    }
    (positions, triangles)
}

/// A tapering tube wound one and a half turns along a widening, rising spiral.
pub(super) fn horn(detail: u32) -> (Vec<Vec3>, Vec<[u32; 3]>) {
    let d = detail as usize;
    let curve = |t: f32| {
        let angle = 1.5 * TAU * t;
        let r = 0.6 + 1.2 * t;
        Vec3::new(r * angle.cos(), r * angle.sin(), 1.8 * t * t)
    };
    tube(curve, |t| 0.08 + 0.55 * t * t, false, 14 * d, 2 * d + 2)
}

/// The trefoil knot (sin t + 2 sin 2t, cos t - 2 cos 2t, -sin 3t) as a tube.
pub(super) fn knot(detail: u32) -> (Vec<Vec3>, Vec<[u32; 3]>) {
    let d = detail as usize;
    let curve = |t: f32| {
        let t = TAU * t;
        Vec3::new(t.sin() + 2.0 * (2.0 * t).sin(), t.cos() - 2.0 * (2.0 * t).cos(), -(3.0 * t).sin())
    };
    tube(curve, |_| 0.55, true, 14 * d, 2 * d)
}

/// A sphere whose radius varies with direction by a few fixed harmonics
/// chosen so that no rotation maps the surface onto itself.
pub(super) fn blob(detail: u32) -> (Vec<Vec3>, Vec<[u32; 3]>) {
    let (rows, cols) = (4 * detail as usize + 1, 8 * detail as usize);
    let mut positions = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        let theta = PI * i as f32 / (rows - 1) as f32;
        for j in 0..cols {
            let phi = TAU * j as f32 / cols as f32;
            let (st, ct) = theta.sin_cos();
            let r = 1.0 + 0.25 * st * st * (2.0 * phi + 0.3).cos() + 0.2 * ct + 0.3 * st * ct * phi.sin()
                - 0.12 * st * (3.0 * phi).cos();
            positions.push(Vec3::new(st * phi.cos(), st * phi.sin(), ct) * r);
        }
    }
    // The poles' rows collapse to single points; welding removes the
    // degenerate triangles there.
    (positions, grid_triangles(rows, cols, true))
}
