//! The statistics metrics share: means, squared differences, Pearson
//! correlation and ranks, all accumulated in f64.
//!
//! Data and models are f32, but a metric sums over thousands of cells and
//! features, where f32 loses digits; so every statistic here takes and
//! returns f64, and callers widen f32 data once (see
//! [`crate::data::Matrix::column_f64`]).

/// The arithmetic mean; `None` for an empty slice.
pub fn mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    Some(values.iter().sum::<f64>() / values.len() as f64)
}

/// The mean of `(a_i - b_i)^2`; `None` for empty slices.
///
/// # Panics
/// When the slices differ in length: callers check shapes first and report
/// a mismatch as a metric error.
pub fn mean_squared_difference(a: &[f64], b: &[f64]) -> Option<f64> {
    assert_eq!(a.len(), b.len(), "mean_squared_difference of slices of different lengths");
    if a.is_empty() {
        return None;
    }
    Some(a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>() / a.len() as f64)
}

/// The median (the mean of the two middle values for an even count, as
/// numpy's); `None` for an empty slice. Reorders `values`.
pub fn median(values: &mut [f64]) -> Option<f64> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (_, &mut upper, _) = values.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        return Some(upper);
    }
    // After the selection every value left of n / 2 is at most `upper`.
    let lower = values[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Some((lower + upper) / 2.0)
}

/// True when every value equals the first (vacuously for fewer than two).
pub fn is_constant(values: &[f64]) -> bool {
    values.iter().all(|&v| v == values[0])
}

/// The Pearson correlation of two equally long series, in [-1, 1].
///
/// A constant series (zero variance, including one with fewer than two
/// values) has correlation 0 with everything rather than NaN: a collapsed
/// latent or an unchanged profile carries no information about the other
/// series, and 0 keeps averages over many correlations defined. Constancy
/// is tested exactly, before centring, because the f64 mean of identical
/// values need not equal them, which would leave rounding noise to
/// correlate.
///
/// # Panics
/// When the slices differ in length (see [`mean_squared_difference`]).
pub fn pearson(x: &[f64], y: &[f64]) -> f64 {
    assert_eq!(x.len(), y.len(), "pearson of slices of different lengths");
    if is_constant(x) || is_constant(y) {
        return 0.0;
    }
    let n = x.len() as f64;
    let mean_x = x.iter().sum::<f64>() / n;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (&a, &b) in x.iter().zip(y) {
        let (dx, dy) = (a - mean_x, b - mean_y);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    // Rounding can push |r| a hair past 1 for perfectly collinear series.
    (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
}

/// The 1-based ranks of `values`, ties sharing the mean of their ranks
/// (scipy's `rankdata` with `method="average"`); `-0.0` ties with `0.0`.
///
/// Ranks are of f32 data, sorted as packed integer keys (the value's order
/// in the high half, the index in the low half): several times faster than
/// sorting (value, index) pairs, which matters for 100,000-row latents.
///
/// # Panics
/// On a NaN (callers check that latents are finite) or more than 2^32 values.
pub fn ranks(values: &[f32]) -> Vec<f64> {
    assert!(values.len() <= 1 << 32, "ranks of more than 2^32 values");
    let mut keyed: Vec<u64> =
        values.iter().enumerate().map(|(i, &v)| (u64::from(order_key(v)) << 32) | i as u64).collect();
    keyed.sort_unstable();
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < keyed.len() {
        let value = keyed[start] >> 32;
        let end = start + keyed[start..].iter().take_while(|&&k| k >> 32 == value).count();
        // The mean of the 1-based ranks start + 1 ..= end.
        let rank = (start + end + 1) as f64 / 2.0;
        for &k in &keyed[start..end] {
            ranks[(k & 0xFFFF_FFFF) as usize] = rank;
        }
        start = end;
    }
    ranks
}

/// A u32 whose unsigned order is the numeric order of `v`.
fn order_key(v: f32) -> u32 {
    assert!(!v.is_nan(), "ranks of NaN");
    let bits = if v == 0.0 { 0 } else { v.to_bits() };
    if bits >> 31 == 1 { !bits } else { bits | 0x8000_0000 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mean_and_squared_difference() {
        assert_eq!(mean(&[1.0, 2.0, 6.0]), Some(3.0));
        assert_eq!(mean(&[]), None);
        assert_eq!(mean_squared_difference(&[1.0, 2.0], &[3.0, 2.0]), Some(2.0));
        assert_eq!(mean_squared_difference(&[], &[]), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn pearson_of_known_series() {
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]) - 0.997_948_715_788_673_3).abs() < 1e-12);
        assert_eq!(pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), -1.0);
    }

    #[test]
    fn constant_series_correlate_zero() {
        // 0.1 is not exact in binary, so a naive mean would leave nonzero deviations.
        assert_eq!(pearson(&[0.1; 5], &[1.0, 5.0, 2.0, 3.0, 4.0]), 0.0);
        assert_eq!(pearson(&[1.0, 2.0], &[7.0, 7.0]), 0.0);
        assert_eq!(pearson(&[1.0], &[2.0]), 0.0);
        assert_eq!(pearson(&[], &[]), 0.0);
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(ranks(&[3.0, -1.0, 3.0, 0.0, -0.0, 7.5]), vec![4.5, 1.0, 4.5, 2.5, 2.5, 6.0]);
        assert_eq!(ranks(&[f32::MIN, f32::MAX, -1e-30, 1e-30]), vec![1.0, 4.0, 2.0, 3.0]);
        assert!(ranks(&[]).is_empty());
    }

    proptest! {
        #[test]
        fn ranks_follow_the_order_of_values(v in prop::collection::vec(-1e3f32..1e3, 0..30)) {
            let r = ranks(&v);
            for i in 0..v.len() {
                for j in 0..v.len() {
                    prop_assert_eq!(v[i] < v[j], r[i] < r[j]);
                }
            }
            prop_assert!((r.iter().sum::<f64>() - (v.len() * (v.len() + 1)) as f64 / 2.0).abs() < 1e-9);
        }

        #[test]
        fn pearson_is_bounded_and_symmetric(
            xy in prop::collection::vec((-1e3f64..1e3, -1e3f64..1e3), 0..20)
        ) {
            let (x, y): (Vec<f64>, Vec<f64>) = xy.into_iter().unzip();
            let r = pearson(&x, &y);
            prop_assert!((-1.0..=1.0).contains(&r));
            prop_assert_eq!(r, pearson(&y, &x));
        }
    }
}
