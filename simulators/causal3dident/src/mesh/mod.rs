//! Triangle meshes of the objects a scene can show: the Utah teapot
//! (module `teapot`, tessellated from Newell's Bezier patches) and shapes
//! generated procedurally (module `procedural`).
//!
//! Every mesh is welded (vertices at the same place become one, so normals
//! are smooth across patch seams), given area-weighted vertex normals, and
//! normalised: centred on its bounding box and scaled to radius 1, so that
//! every shape covers about the same part of the image and the object's
//! position latents mean the same for all of them.

mod procedural;
mod teapot;

use std::collections::HashMap;

use glam::Vec3;
use serde::{Deserialize, Serialize};

/// A triangle mesh with one normal per vertex.
#[derive(Clone, Debug, PartialEq)]
pub struct Mesh {
    pub positions: Vec<Vec3>,
    pub normals: Vec<Vec3>,
    pub triangles: Vec<[u32; 3]>,
}

/// The object classes a scene can show. The Blender meshes of the original
/// (hare, dragon, cow, armadillo, horse, head) are not distributed, so the
/// other classes are generated; each is free of continuous symmetries, so
/// that every rotation shows in the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// The Utah teapot (Newell, 1975).
    Teapot,
    /// A tapering tube wound along a widening spiral.
    Horn,
    /// A sphere bulged by a few low-order harmonics, like a potato.
    Blob,
    /// A trefoil knot: a tube along the (2, 3) torus knot.
    Knot,
}

impl Shape {
    pub const ALL: [Shape; 4] = [Shape::Teapot, Shape::Horn, Shape::Blob, Shape::Knot];

    pub fn name(self) -> &'static str {
        match self {
            Shape::Teapot => "teapot",
            Shape::Horn => "horn",
            Shape::Blob => "blob",
            Shape::Knot => "knot",
        }
    }

    /// The shape's mesh at tessellation `detail` (at least 2): the teapot's
    /// patches are cut into `detail` x `detail` quads; the other shapes are
    /// sized to a similar count of triangles (about 64 x `detail`^2).
    pub fn mesh(self, detail: u32) -> Mesh {
        let detail = detail.max(2);
        let (positions, triangles) = match self {
            Shape::Teapot => teapot::tessellate(detail),
            Shape::Horn => procedural::horn(detail),
            Shape::Blob => procedural::blob(detail),
            Shape::Knot => procedural::knot(detail),
        };
        Mesh::from_triangles(&positions, &triangles)
    }
}

impl Mesh {
    /// Welds, drops triangles that welding made degenerate, computes
    /// smooth normals and normalises to the unit ball.
    pub fn from_triangles(positions: &[Vec3], triangles: &[[u32; 3]]) -> Self {
        // Patch and seam vertices are computed separately, so equal points
        // can differ in the last bits: weld on a grid far finer than a pixel.
        const GRID: f32 = 1e-4;
        let mut index: HashMap<[i64; 3], u32> = HashMap::new();
        let mut welded: Vec<Vec3> = Vec::new();
        let remap: Vec<u32> = positions
            .iter()
            .map(|p| {
                let key = (*p / GRID).round().to_array().map(|v| v as i64);
                *index.entry(key).or_insert_with(|| {
                    welded.push(*p);
                    welded.len() as u32 - 1
                })
            })
            .collect();
        let triangles: Vec<[u32; 3]> = triangles
            .iter()
            .map(|t| t.map(|i| remap[i as usize]))
            .filter(|[a, b, c]| a != b && b != c && a != c)
            .collect();
        let mut normals = vec![Vec3::ZERO; welded.len()];
        for &[a, b, c] in &triangles {
            let (pa, pb, pc) = (welded[a as usize], welded[b as usize], welded[c as usize]);
            // The cross product's length is twice the area: larger faces weigh more.
            let n = (pb - pa).cross(pc - pa);
            for i in [a, b, c] {
                normals[i as usize] += n;
            }
        }
        for n in &mut normals {
            *n = n.try_normalize().unwrap_or(Vec3::Z);
        }
        let (lo, hi) = welded.iter().fold((Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)), |(lo, hi), p| {
            (lo.min(*p), hi.max(*p))
        });
        let centre = (lo + hi) * 0.5;
        let radius = welded.iter().map(|p| (*p - centre).length()).fold(0.0f32, f32::max).max(f32::MIN_POSITIVE);
        let positions = welded.iter().map(|p| (*p - centre) / radius).collect();
        Self { positions, normals, triangles }
    }

    pub fn triangle_count(&self) -> usize {
        self.triangles.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_is_a_closed_looking_unit_mesh_of_about_the_same_size() {
        for shape in Shape::ALL {
            let mesh = shape.mesh(6);
            let radius = mesh.positions.iter().map(|p| p.length()).fold(0.0f32, f32::max);
            assert!((radius - 1.0).abs() < 1e-3, "{}: radius {radius}", shape.name());
            assert!(
                (1500..3200).contains(&mesh.triangle_count()),
                "{}: {} triangles",
                shape.name(),
                mesh.triangle_count()
            );
            assert!(mesh.normals.iter().all(|n| (n.length() - 1.0).abs() < 1e-4));
            assert!(mesh.triangles.iter().flatten().all(|&i| (i as usize) < mesh.positions.len()));
        }
    }

    #[test]
    fn welding_merges_equal_points_and_drops_degenerate_triangles() {
        let p = [Vec3::ZERO, Vec3::X, Vec3::Y, Vec3::X * (1.0 + 1e-7), Vec3::Y];
        let mesh = Mesh::from_triangles(&p, &[[0, 1, 2], [3, 4, 0], [1, 3, 2]]);
        assert_eq!(mesh.positions.len(), 3);
        assert_eq!(mesh.triangles, vec![[0, 1, 2], [1, 2, 0]]);
    }
}
