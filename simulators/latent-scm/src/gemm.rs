//! Matrix products for the mixing, on `matrixmultiply`'s packed, vectorised
//! kernels: the mixing of many cells is a few large products, which hand
//! loops would run an order of magnitude below the machine's rate.

/// c = a b^T for row-major a (m x k), b (n x k) and c (m x n); c's previous
/// contents are ignored.
pub(crate) fn matmul_transposed(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    assert!(a.len() == m * k && b.len() == n * k && c.len() == m * n, "matmul_transposed: shapes disagree");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(0.0);
        return;
    }
    // SAFETY: the assertion above makes every element sgemm addresses
    // (a[i * k + p], b[j * k + p], c[i * n + j] for i < m, j < n, p < k) lie
    // inside its slice; c is borrowed mutably, so it aliases neither input.
    // With beta = 0, sgemm never reads c.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.as_ptr(),
            k as isize,
            1,
            b.as_ptr(),
            1,
            k as isize,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_definition() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 x 3
        let b = [1.0, 0.0, -1.0, 2.0, 1.0, 0.5]; // 2 x 3
        let mut c = [f32::NAN; 4];
        matmul_transposed(&a, &b, &mut c, 2, 3, 2);
        assert_eq!(c, [1.0 - 3.0, 2.0 + 2.0 + 1.5, 4.0 - 6.0, 8.0 + 5.0 + 3.0]);
    }
}
