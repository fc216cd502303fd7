//! The Utah teapot: Martin Newell's 32 bicubic Bezier patches over 306
//! control points (public domain, embedded from `data/teapot.txt`),
//! tessellated into triangles.

use glam::Vec3;

const DATA: &str = include_str!("../../data/teapot.txt");

/// The patches (16 zero-based control-point indices each, row-major) and
/// the control points.
fn patches() -> (Vec<[usize; 16]>, Vec<Vec3>) {
    let mut lines = DATA.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    fn count<'a>(lines: &mut impl Iterator<Item = &'a str>, label: &str) -> usize {
        let line = lines.next().unwrap_or_default();
        let n = line.strip_prefix(label).and_then(|n| n.trim().parse().ok());
        n.unwrap_or_else(|| panic!("data/teapot.txt: expected `{label} N`, found `{line}`"))
    }
    let n_patches = count(&mut lines, "patches");
    let patches: Vec<[usize; 16]> = (0..n_patches)
        .map(|_| {
            let line = lines.next().unwrap_or_default();
            let ids: Vec<usize> = line.split_whitespace().map(|v| v.parse::<usize>().expect("an index") - 1).collect();
            ids.try_into().unwrap_or_else(|_| panic!("data/teapot.txt: a patch needs 16 indices: `{line}`"))
        })
        .collect();
    let n_points = count(&mut lines, "points");
    let points = (0..n_points)
        .map(|_| {
            let v: Vec<f32> = lines.next().unwrap_or_default().split_whitespace().map(|v| v.parse().expect("a number")).collect();
            Vec3::new(v[0], v[1], v[2])
        })
        .collect();
    (patches, points)
}

/// The cubic Bernstein basis at `t`.
fn bernstein(t: f32) -> [f32; 4] {
    let s = 1.0 - t;
    [s * s * s, 3.0 * s * s * t, 3.0 * s * t * t, t * t * t]
}

/// Every patch cut into `n` x `n` quads of two triangles each; points on
/// shared patch edges are computed twice and welded by the caller.
pub(super) fn tessellate(n: u32) -> (Vec<Vec3>, Vec<[u32; 3]>) {
    let (patches, points) = patches();
    let n = n as usize;
    let side = n + 1;
    let mut positions = Vec::with_capacity(patches.len() * side * side);
    let mut triangles = Vec::with_capacity(patches.len() * n * n * 2);
    for patch in &patches {
        let base = positions.len() as u32;
        for i in 0..side {
            let bu = bernstein(i as f32 / n as f32);
            for j in 0..side {
                let bv = bernstein(j as f32 / n as f32);
                let mut p = Vec3::ZERO;
                for (r, wu) in bu.iter().enumerate() {
                    for (c, wv) in bv.iter().enumerate() {
                        p += points[patch[r * 4 + c]] * (wu * wv);
                    }
                }
                positions.push(p);
            }
        }
        let at = |i: usize, j: usize| base + (i * side + j) as u32;
        for i in 0..n {
            for j in 0..n {
                triangles.push([at(i, j), at(i + 1, j), at(i + 1, j + 1)]);
                triangles.push([at(i, j), at(i + 1, j + 1), at(i, j + 1)]);
            }
        }
    }
    (positions, triangles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newells_data_has_32_patches_over_306_points_in_the_known_box() {
        let (patches, points) = patches();
        assert_eq!(patches.len(), 32);
        assert_eq!(points.len(), 306);
        // Every point is used by some patch except four spare lid points,
        // which no patch of the 32-patch set references.
        let mut used = vec![false; points.len()];
        patches.iter().flatten().for_each(|&i| used[i] = true);
        let unused: Vec<usize> = (0..points.len()).filter(|&i| !used[i]).map(|i| i + 1).collect();
        assert_eq!(unused, vec![205, 206, 216, 223]);
        let (lo, hi) = points.iter().fold((Vec3::MAX, Vec3::MIN), |(lo, hi), p| (lo.min(*p), hi.max(*p)));
        assert_eq!((lo, hi), (Vec3::new(-3.0, -2.0, 0.0), Vec3::new(3.525, 2.0, 3.15)));
    }

    #[test]
    fn patch_corners_are_interpolated_exactly() {
        let (patches, points) = patches();
        let (positions, triangles) = tessellate(3);
        assert_eq!(triangles.len(), 32 * 18);
        // The first vertex of each patch is its first control point.
        for (k, patch) in patches.iter().enumerate() {
            assert_eq!(positions[k * 16], points[patch[0]]);
            assert_eq!(positions[k * 16 + 15], points[patch[15]]);
        }
    }
}
