//! The mixing function g from latents [s, z_t] to observed features, as in
//! TDRL: an invertible leaky-ReLU MLP.
//!
//! g(v) = Q_{K-1} LReLU( ... Q_1 LReLU(A v)), with A an (observed x latents)
//! Gaussian matrix and each Q_k a Haar-random orthogonal (observed x
//! observed) matrix. A has full column rank with probability one, so A is
//! injective; LReLU with a positive slope and orthogonal maps are
//! bijections; hence g is injective, which identifiability needs. A's
//! entries have variance 1 / latents so that a feature's scale, and the
//! meaning of `observation_noise`, do not grow with the number of latents.

use rand_chacha::ChaCha8Rng;

use crate::activation::leaky_relu;
use crate::stream::standard_normal;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mixing {
    latents: usize,
    observed: usize,
    /// A, row-major (observed x latents).
    first: Vec<f32>,
    /// Q_1 .. Q_{K-1}, each row-major (observed x observed).
    orthogonal: Vec<Vec<f32>>,
}

impl Mixing {
    pub(crate) fn draw(latents: usize, observed: usize, layers: usize, rng: &mut ChaCha8Rng) -> Self {
        let scale = 1.0 / (latents.max(1) as f32).sqrt();
        let first = (0..observed * latents).map(|_| scale * standard_normal(rng)).collect();
        let orthogonal = (1..layers).map(|_| random_orthogonal(observed, rng)).collect();
        Self { latents, observed, first, orthogonal }
    }

    /// g(v) for one latent vector v = [s, z_t].
    pub(crate) fn apply(&self, v: &[f32]) -> Vec<f32> {
        debug_assert_eq!(v.len(), self.latents);
        let mut h = mat_vec(&self.first, self.latents, v);
        for q in &self.orthogonal {
            h.iter_mut().for_each(|h_i| *h_i = leaky_relu(*h_i));
            h = mat_vec(q, self.observed, &h);
        }
        h
    }
}

/// `m v` for a row-major `m` with `cols` columns.
fn mat_vec(m: &[f32], cols: usize, v: &[f32]) -> Vec<f32> {
    m.chunks_exact(cols).map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum()).collect()
}

/// A Haar-random orthogonal matrix, row-major: Gram-Schmidt on the columns
/// of a Gaussian matrix. Gram-Schmidt leaves R's diagonal positive, which is
/// what makes Q = G R^-1 Haar distributed. It runs in f64 so that Q is
/// orthogonal to f32 precision.
fn random_orthogonal(d: usize, rng: &mut ChaCha8Rng) -> Vec<f32> {
    let mut columns: Vec<Vec<f64>> =
        (0..d).map(|_| (0..d).map(|_| f64::from(standard_normal(rng))).collect()).collect();
    for k in 0..d {
        let (done, rest) = columns.split_at_mut(k);
        let column = &mut rest[0];
        // Modified Gram-Schmidt: subtract each projection from the updated
        // column, which keeps the basis orthogonal in floating point.
        for q in done.iter() {
            let dot: f64 = q.iter().zip(column.iter()).map(|(a, b)| a * b).sum();
            column.iter_mut().zip(q).for_each(|(c, q)| *c -= dot * q);
        }
        // Gaussian columns are linearly dependent with probability zero.
        let norm = column.iter().map(|c| c * c).sum::<f64>().sqrt();
        column.iter_mut().for_each(|c| *c /= norm);
    }
    (0..d).flat_map(|row| columns.iter().map(move |column| column[row] as f32)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn orthogonal_matrix_has_orthonormal_rows() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let d = 7;
        let q = random_orthogonal(d, &mut rng);
        for a in 0..d {
            for b in 0..d {
                let dot: f32 = (0..d).map(|k| q[a * d + k] * q[b * d + k]).sum();
                let expected = if a == b { 1.0 } else { 0.0 };
                assert!((dot - expected).abs() < 1e-5, "rows {a}, {b}: {dot}");
            }
        }
    }

    #[test]
    fn orthogonal_layers_preserve_distances_after_the_first() {
        // With one layer g is A v; every later layer is an isometry applied
        // after LReLU, so |g(u) - g(v)| <= |A u - A v| and LReLU shrinks by at
        // most its slope: the mixing cannot collapse two latent vectors.
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mixing = Mixing::draw(3, 6, 3, &mut rng);
        let linear = Mixing { orthogonal: Vec::new(), ..mixing.clone() };
        let (u, v) = ([0.3, -1.0, 2.0], [0.2, -1.5, 1.0]);
        let dist = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f32>().sqrt();
        let outer = dist(&mixing.apply(&u), &mixing.apply(&v));
        let inner = dist(&linear.apply(&u), &linear.apply(&v));
        assert!(outer <= inner * 1.0001 && outer >= inner * 0.2 * 0.2 * 0.9999, "{outer} vs {inner}");
    }
}
