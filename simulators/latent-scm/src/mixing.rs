//! The mixing function g from latents [s, z_t] to observed features, as in
//! TDRL: an invertible leaky-ReLU MLP.
//!
//! g(v) = Q_{K-1} LReLU( ... Q_1 LReLU(A v)), with A an (observed x latents)
//! matrix and each Q_k a Haar-random orthogonal (observed x observed)
//! matrix. A is Gaussian by default, with entries of variance 1 / latents
//! so that a feature's scale, and the meaning of `observation_noise`, do
//! not grow with the number of latents; it has full column rank with
//! probability one, but its condition number grows with the latents, so
//! some directions reach the features faintly. `mixing_first_layer =
//! "orthogonal"` takes `latents` columns of a Haar-random orthogonal matrix
//! instead (A^T A = I), as TDRL's mixing does. Either way A is injective;
//! LReLU with a positive slope and orthogonal maps are bijections; hence g
//! is injective, which identifiability needs.
//!
//! Cells are mixed a block of rows at a time, as matrix products (module
//! `gemm`). The `non_invertible_mixing` violation collapses latent
//! directions of A (see [`Mixing::collapse`]).

use rand_chacha::ChaCha8Rng;

use crate::activation::leaky_relu;
use crate::config::FirstLayer;
use crate::gemm::matmul_transposed;
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
    pub(crate) fn draw(latents: usize, observed: usize, layers: usize, first: FirstLayer, rng: &mut ChaCha8Rng) -> Self {
        let first = match first {
            FirstLayer::Gaussian => {
                let scale = 1.0 / (latents.max(1) as f32).sqrt();
                (0..observed * latents).map(|_| scale * standard_normal(rng)).collect()
            }
            // The first `latents` columns of an orthogonal matrix are
            // orthonormal; `observed` >= `latents` is checked by the config.
            FirstLayer::Orthogonal => {
                let q = random_orthogonal(observed, rng);
                q.chunks_exact(observed).flat_map(|row| row[..latents].to_vec()).collect()
            }
        };
        let orthogonal = (1..layers).map(|_| random_orthogonal(observed, rng)).collect();
        Self { latents, observed, first, orthogonal }
    }

    pub(crate) fn latents(&self) -> usize {
        self.latents
    }

    pub(crate) fn observed(&self) -> usize {
        self.observed
    }

    /// g(v) for the `rows` latent vectors in `v` (row-major, rows x latents),
    /// written into `out` (rows x observed); `scratch` is reused between calls.
    pub(crate) fn apply_block(&self, v: &[f32], rows: usize, out: &mut [f32], scratch: &mut Vec<f32>) {
        matmul_transposed(v, &self.first, out, rows, self.latents, self.observed);
        for q in &self.orthogonal {
            scratch.resize(out.len(), 0.0);
            scratch.iter_mut().zip(out.iter()).for_each(|(h, &x)| *h = leaky_relu(x));
            matmul_transposed(scratch, q, out, rows, self.observed, self.observed);
        }
    }

    /// Makes g non-injective: A forgets `directions` random orthonormal
    /// latent directions u_k, A <- A (I - sum_k u_k u_k^T), so latents that
    /// differ only along them give the same observation. Returns the
    /// directions (each of length `latents`).
    pub(crate) fn collapse(&mut self, directions: usize, rng: &mut ChaCha8Rng) -> Vec<Vec<f32>> {
        let d = self.latents;
        let basis = random_orthogonal(d, rng);
        let removed: Vec<Vec<f32>> = (0..directions.min(d)).map(|k| (0..d).map(|r| basis[r * d + k]).collect()).collect();
        for row in self.first.chunks_exact_mut(d) {
            for u in &removed {
                let along: f32 = row.iter().zip(u).map(|(a, u)| a * u).sum();
                row.iter_mut().zip(u).for_each(|(a, u)| *a -= along * u);
            }
        }
        removed
    }

    /// g(v) for one latent vector v = [s, z_t].
    #[cfg(test)]
    pub(crate) fn apply(&self, v: &[f32]) -> Vec<f32> {
        let mut out = vec![0.0; self.observed];
        self.apply_block(v, 1, &mut out, &mut Vec::new());
        out
    }
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
    fn orthogonal_first_layer_preserves_lengths() {
        // A has orthonormal columns, so with one layer |g(v)| = |v|.
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mixing = Mixing::draw(3, 5, 1, FirstLayer::Orthogonal, &mut rng);
        let v = [0.7, -1.2, 0.4];
        let norm = |a: &[f32]| a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm(&mixing.apply(&v)) - norm(&v)).abs() < 1e-5);
        assert_eq!(mixing.first.len(), 15);
    }

    #[test]
    fn orthogonal_layers_preserve_distances_after_the_first() {
        // With one layer g is A v; every later layer is an isometry applied
        // after LReLU, so |g(u) - g(v)| <= |A u - A v| and LReLU shrinks by at
        // most its slope: the mixing cannot collapse two latent vectors.
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mixing = Mixing::draw(3, 6, 3, FirstLayer::Gaussian, &mut rng);
        let linear = Mixing { orthogonal: Vec::new(), ..mixing.clone() };
        let (u, v) = ([0.3, -1.0, 2.0], [0.2, -1.5, 1.0]);
        let dist = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f32>().sqrt();
        let outer = dist(&mixing.apply(&u), &mixing.apply(&v));
        let inner = dist(&linear.apply(&u), &linear.apply(&v));
        assert!(outer <= inner * 1.0001 && outer >= inner * 0.2 * 0.2 * 0.9999, "{outer} vs {inner}");
    }
}
